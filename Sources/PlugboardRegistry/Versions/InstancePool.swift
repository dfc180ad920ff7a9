import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// Why an ``InstancePool`` could not lend an instance.
public struct InstancePoolError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The pool is draining (its version was replaced or unloaded): route the call again.
        case draining
    }

    public var code: Code
    public var pool: String

    public var description: String {
        switch code {
        case .draining: "plugin '\(pool)': this version is being retired and takes no new calls; route the call to the current version"
        }
    }
}

/// Warm instances of one plugin version, lent to one call at a time.
///
/// Calls borrow an idle instance, or a new one while fewer than ``InstancePoolConfiguration/size`` exist, or wait
/// for one to come back. An instance whose call failed in a way `isPoisoning` recognizes (a trap, a limit hit) is
/// closed instead of returned, so a crash poisons only that instance; so is one that served
/// ``InstancePoolConfiguration/maxInvocations`` calls. ``drain()`` stops lending, waits for the calls in flight,
/// and closes every instance.
public actor InstancePool<Worker: Sendable> {
    /// Occupancy and turnover of the pool.
    public struct Statistics: Sendable, Hashable {
        /// Instances lent to calls now.
        public var busy = 0
        /// Warm instances waiting for a call.
        public var idle = 0
        /// Calls waiting for an instance.
        public var waiting = 0
        /// Instances made so far.
        public var created = 0
        /// Instances closed so far (poisoned, worn out, idle too long, or drained).
        public var retired = 0
        /// Calls served so far.
        public var calls = 0
        /// Calls that got an instance, are waiting for one, or are done: ``calls`` + ``busy`` + ``waiting``.
        public var arrived: Int { calls + busy + waiting }
    }

    private struct Idle {
        var worker: Worker
        var invocations: Int
        var since: ContinuousClock.Instant
        var generation: Int
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Lease, any Error>
    }

    /// An instance lent to a call, with how many calls it served before.
    private struct Lease: Sendable {
        var worker: Worker
        var invocations: Int
        /// The pool's ``recycle()`` count when the instance was made: older instances are not reused.
        var generation: Int
    }

    public let name: String
    public let configuration: InstancePoolConfiguration
    private let make: @Sendable () async throws -> Worker
    private let close: @Sendable (Worker) async -> Void
    private let isPoisoning: @Sendable (any Error) -> Bool
    private var idle: [Idle] = []
    /// Instances lent out, plus those being made.
    private var outstanding = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
    private var isDraining = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    private var stats = Statistics()
    private var sweepScheduled = false
    private var generation = 0

    /// - Parameters:
    ///   - make: Makes a ready instance (may run guest code: `_initialize`, `initialize`).
    ///   - close: Releases an instance (e.g. calls its `shutdown`).
    ///   - isPoisoning: Whether an error a call threw leaves its instance unfit for further calls.
    public init(
        name: String, configuration: InstancePoolConfiguration, make: @escaping @Sendable () async throws -> Worker,
        close: @escaping @Sendable (Worker) async -> Void, isPoisoning: @escaping @Sendable (any Error) -> Bool
    ) {
        self.name = name
        self.configuration = configuration
        self.make = make
        self.close = close
        self.isPoisoning = isPoisoning
    }

    public var statistics: Statistics {
        var result = stats
        result.idle = idle.count
        result.waiting = waiters.count
        result.busy = outstanding
        return result
    }

    /// Makes instances until `count` are warm (at most the pool's size), so the first calls don't pay for them.
    public func prewarm(_ count: Int) async throws {
        while idle.count + outstanding < min(count, configuration.size), !isDraining {
            outstanding += 1
            let generation = self.generation
            do {
                let worker = try await make()
                stats.created += 1
                outstanding -= 1
                give(Lease(worker: worker, invocations: 0, generation: generation))
            } catch {
                outstanding -= 1
                throw error
            }
        }
    }

    /// Runs `body` with an instance of the pool, waiting for one if all are busy.
    ///
    /// - Throws: ``InstancePoolError`` (`draining`) when the pool stopped lending, the error of making an instance,
    ///   `CancellationError` when the task was cancelled while waiting, or what `body` throws.
    public func withWorker<R: Sendable>(_ body: @Sendable (Worker) async throws -> R) async throws -> R {
        let lease = try await borrow()
        do {
            let result = try await body(lease.worker)
            await giveBack(lease, poisoned: false)
            return result
        } catch {
            await giveBack(lease, poisoned: isPoisoning(error))
            throw error
        }
    }

    /// Stops lending (calls waiting get `draining`), waits for the calls in flight, then closes every instance.
    public func drain() async {
        isDraining = true
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting { waiter.continuation.resume(throwing: InstancePoolError(code: .draining, pool: name)) }
        if outstanding > 0 {
            await withCheckedContinuation { drainWaiters.append($0) }
        }
        await closeIdleWorkers()
    }

    /// Replaces every instance with a fresh one: idle instances are closed now, busy ones when their call returns,
    /// and the next calls get new instances (which see, e.g., capabilities granted since).
    public func recycle() async {
        generation += 1
        await closeIdleWorkers()
        wakeNextWaiterIfRoom()
    }

    /// Closes every idle instance.
    private func closeIdleWorkers() async {
        let closing = idle
        idle.removeAll()
        for entry in closing {
            stats.retired += 1
            await close(entry.worker)
        }
    }

    private func borrow() async throws -> Lease {
        if isDraining { throw InstancePoolError(code: .draining, pool: name) }
        await releaseIdle()
        if let entry = idle.popLast() {
            outstanding += 1
            return Lease(worker: entry.worker, invocations: entry.invocations, generation: entry.generation)
        }
        if outstanding < configuration.size {
            outstanding += 1
            let generation = self.generation
            do {
                let worker = try await make()
                stats.created += 1
                return Lease(worker: worker, invocations: 0, generation: generation)
            } catch {
                outstanding -= 1
                wakeNextWaiterIfRoom()
                throw error
            }
        }
        try Task.checkCancellation()
        nextWaiterID += 1
        let id = nextWaiterID
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append(Waiter(id: id, continuation: continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func giveBack(_ lease: Lease, poisoned: Bool) async {
        stats.calls += 1
        let served = lease.invocations + 1
        if poisoned || served >= configuration.maxInvocations || isDraining || lease.generation != generation {
            outstanding -= 1
            stats.retired += 1
            await close(lease.worker)
            wakeNextWaiterIfRoom()
        } else {
            outstanding -= 1
            give(Lease(worker: lease.worker, invocations: served, generation: lease.generation))
        }
        if isDraining, outstanding == 0 {
            let waiting = drainWaiters
            drainWaiters.removeAll()
            for waiter in waiting { waiter.resume() }
        }
    }

    /// Hands a ready instance to the first waiting call, or keeps it idle.
    private func give(_ lease: Lease) {
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            outstanding += 1
            waiter.continuation.resume(returning: lease)
        } else {
            idle.append(Idle(worker: lease.worker, invocations: lease.invocations, since: .now, generation: lease.generation))
            scheduleSweep()
        }
    }

    /// Releases idle instances after the idle timeout even when no call comes to do it.
    private func scheduleSweep() {
        guard idle.count > 1, !sweepScheduled else { return }
        sweepScheduled = true
        let timeout = configuration.idleTimeout
        Task { [weak self] in
            try? await Task.sleep(for: timeout + .milliseconds(10))
            await self?.sweep()
        }
    }

    private func sweep() async {
        sweepScheduled = false
        await releaseIdle()
        scheduleSweep()
    }

    /// After an instance was closed: a waiting call may make a new one now.
    private func wakeNextWaiterIfRoom() {
        guard !waiters.isEmpty, outstanding < configuration.size, !isDraining else { return }
        let waiter = waiters.removeFirst()
        outstanding += 1
        let generation = self.generation
        Task {
            do {
                let worker = try await make()
                created()
                waiter.continuation.resume(returning: Lease(worker: worker, invocations: 0, generation: generation))
            } catch {
                failedToMake()
                waiter.continuation.resume(throwing: error)
            }
        }
    }

    private func created() { stats.created += 1 }

    private func failedToMake() {
        outstanding -= 1
        wakeNextWaiterIfRoom()
    }

    /// Closes instances idle longer than the idle timeout, keeping the most recently used one warm.
    private func releaseIdle() async {
        guard idle.count > 1 else { return }
        let now = ContinuousClock.now
        let stale = idle.dropLast().filter { now - $0.since > configuration.idleTimeout }
        guard !stale.isEmpty else { return }
        let newest = idle[idle.count - 1]
        idle = idle.dropLast().filter { now - $0.since <= configuration.idleTimeout } + [newest]
        for entry in stale {
            stats.retired += 1
            await close(entry.worker)
        }
    }
}
