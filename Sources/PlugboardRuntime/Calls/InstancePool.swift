import PlugboardABI
import PlugboardManifest
import Synchronization

/// Why an ``InstancePool`` could not lend an instance for a reason the caller handles itself.
package struct InstancePoolError: Error, Sendable, CustomStringConvertible {
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

/// Occupancy and turnover of an instance pool.
public struct InstancePoolStatistics: Sendable, Hashable {
    /// Instances lent to calls now, or being made.
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
    /// Calls refused because the queue was full or they waited too long.
    public var overloaded = 0
    /// Calls that got an instance, are waiting for one, or are done: ``calls`` + ``busy`` + ``waiting``.
    public var arrived: Int { calls + busy + waiting }
}

/// Warm instances of one plugin, lent to one call at a time, with a bounded queue of calls waiting for one.
///
/// A call takes an idle instance, or makes a new one while fewer than ``InstancePoolConfiguration/size`` exist, or
/// waits, first come first served: at most ``InstancePoolConfiguration/maxQueue`` calls wait, none longer than
/// ``InstancePoolConfiguration/maxWait`` or its own deadline; past either it fails with `overloaded` (or `timeout`)
/// without running. Taking and returning an instance is one short critical section each, with no actor hop, so a
/// call that need not wait never suspends here. An instance a call poisoned (a trap that left it unfit, a limit
/// hit) is closed instead of returned; so is one that served ``InstancePoolConfiguration/maxInvocations`` calls.
/// ``drain()`` stops lending, waits for the calls in flight, and closes every instance.
package final class InstancePool<Worker: Sendable>: Sendable {
    package typealias Statistics = InstancePoolStatistics

    /// An instance lent to a call.
    package struct Lease: Sendable {
        package var worker: Worker
        /// Calls it served before this one.
        package var invocations: Int
        /// The pool's ``recycle()`` count when the instance was made: older instances are not reused.
        fileprivate var generation: Int
        /// Whether the instance was made for this call (it waited for that, not for another call).
        package var isFresh = false
    }

    /// What a waiting call is handed: an instance, or room to make one.
    private enum Grant: Sendable {
        case lease(Lease)
        case room(generation: Int)
    }

    /// What ``acquire(deadline:)`` does, decided under the lock.
    private enum Decision {
        /// An idle instance; `releaseIdle` when others have been idle past the timeout.
        case lease(Lease, releaseIdle: Bool)
        case make(generation: Int)
        case wait
    }

    /// What giving an instance back leads to, decided under the lock.
    private enum Next {
        case handedOver(Waiter, Lease)
        /// Kept idle; `scheduleSweep` when a sweep must now be scheduled to close idle instances later.
        case kept(scheduleSweep: Bool)
        case close(Worker, (Waiter, Int)?)
    }

    private struct Idle {
        var worker: Worker
        var invocations: Int
        var since: CallInstant
        var generation: Int
    }

    /// A call waiting for an instance. A class: `CheckedContinuation` is a resilient type, so a struct holding one
    /// (and every optional, tuple and enum holding that) would be stored and copied through runtime metadata, also
    /// on the path that returns an instance when no call waits. `@unchecked Sendable`: `timer` is changed only under
    /// the pool's lock.
    private final class Waiter: @unchecked Sendable {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
        var timer: UInt64?

        init(id: UInt64, continuation: CheckedContinuation<Grant, any Error>, timer: UInt64?) {
            self.id = id
            self.continuation = continuation
            self.timer = timer
        }
    }

    private struct State {
        var idle: [Idle] = []
        /// Instances lent out, plus those being made.
        var outstanding = 0
        var waiters: [Waiter] = []
        var waitersHead = 0
        var nextWaiterID: UInt64 = 0
        var isDraining = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var stats = Statistics()
        var sweepScheduled = false
        var generation = 0

        var waitingCount: Int { waiters.count - waitersHead }

        mutating func popWaiter() -> Waiter? {
            guard waitersHead < waiters.count else { return nil }
            let waiter = waiters[waitersHead]
            waitersHead += 1
            if waitersHead == waiters.count {
                waiters.removeAll(keepingCapacity: true)
                waitersHead = 0
            } else if waitersHead >= 64, waitersHead * 2 >= waiters.count {
                waiters.removeFirst(waitersHead)
                waitersHead = 0
            }
            return waiter
        }

        mutating func removeWaiter(_ id: UInt64) -> Waiter? {
            guard let index = waiters[waitersHead...].firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index)
        }
    }

    package let name: String
    package let configuration: InstancePoolConfiguration
    private let make: @Sendable () async throws -> Worker
    private let close: @Sendable (Worker) async -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - make: Makes a ready instance (may run guest code: `_initialize`, `initialize`).
    ///   - close: Releases an instance (e.g. calls its `shutdown`).
    package init(
        name: String, configuration: InstancePoolConfiguration, make: @escaping @Sendable () async throws -> Worker,
        close: @escaping @Sendable (Worker) async -> Void
    ) {
        self.name = name
        self.configuration = configuration
        self.make = make
        self.close = close
    }

    package var statistics: Statistics {
        state.withLock { state in
            var result = state.stats
            result.idle = state.idle.count
            result.waiting = state.waitingCount
            result.busy = state.outstanding
            return result
        }
    }

    /// Makes instances until `count` are warm (at most the pool's size), so the first calls don't pay for them.
    package func prewarm(_ count: Int) async throws {
        while true {
            let generation = state.withLock { state -> Int? in
                guard state.idle.count + state.outstanding < min(count, configuration.size), !state.isDraining else { return nil }
                state.outstanding += 1
                return state.generation
            }
            guard let generation else { return }
            let worker: Worker
            do {
                worker = try await make()
            } catch {
                finishedMaking(success: false)
                throw error
            }
            finishedMaking(success: true)
            await giveBack(Lease(worker: worker, invocations: 0, generation: generation), served: false, poisoned: false)
        }
    }

    /// Adds an instance made outside the pool (a plugin's first, made while loading it) as an idle one.
    package func adopt(_ worker: Worker) async {
        let generation = state.withLock { state -> Int in
            state.outstanding += 1
            state.stats.created += 1
            return state.generation
        }
        await giveBack(Lease(worker: worker, invocations: 0, generation: generation), served: false, poisoned: false)
    }

    /// Lends an instance: an idle one at once, a new one while there is room, else after waiting in the queue.
    ///
    /// - Parameter deadline: The call's own deadline; the wait ends at it or after ``InstancePoolConfiguration/maxWait``,
    ///   whichever comes first.
    /// - Throws: ``InstancePoolError`` (`draining`), ``PlugboardError`` `overloaded` (queue full, or waited
    ///   ``InstancePoolConfiguration/maxWait``), `timeout` (the deadline passed while waiting), `CancellationError`,
    ///   or the error of making an instance.
    package func acquire(deadline: ContinuousClock.Instant?) async throws -> Lease {
        let decision = try state.withLock { state throws -> Decision in
            if state.isDraining { throw InstancePoolError(code: .draining, pool: name) }
            if let (lease, releaseIdle) = takeIdle(&state) { return .lease(lease, releaseIdle: releaseIdle) }
            if state.outstanding < configuration.size {
                state.outstanding += 1
                return .make(generation: state.generation)
            }
            if state.waitingCount >= configuration.maxQueue {
                state.stats.overloaded += 1
                throw PlugboardError.overloaded(
                    name, reason: "\(state.waitingCount) calls already wait for one of its \(configuration.size) instances (max-queue)",
                    retryAfter: .seconds(1))
            }
            return .wait
        }
        switch decision {
        case .lease(let lease, let releaseIdle):
            if releaseIdle { Task { await releaseIdleInstancesNow() } }
            return lease
        case .make(let generation):
            return try await makeLease(generation: generation)
        case .wait:
            switch try await waitForGrant(deadline: deadline) {
            case .lease(let lease): return lease
            case .room(let generation): return try await makeLease(generation: generation)
            }
        }
    }

    /// Lends an idle instance without suspending, `nil` when none is idle (then ``acquire(deadline:)`` makes one or
    /// waits): the common case of a call, without the cost of an `async` call.
    package func leaseIdle() throws -> Lease? {
        let taken = try state.withLock { state throws -> (Lease, Bool)? in
            if state.isDraining { throw InstancePoolError(code: .draining, pool: name) }
            return takeIdle(&state)
        }
        guard let (lease, releaseIdle) = taken else { return nil }
        if releaseIdle { Task { await releaseIdleInstancesNow() } }
        return lease
    }

    /// The newest idle instance, lent; and whether older idle ones are due to be closed.
    private func takeIdle(_ state: inout State) -> (Lease, Bool)? {
        guard let entry = state.idle.popLast() else { return nil }
        state.outstanding += 1
        let lease = Lease(worker: entry.worker, invocations: entry.invocations, generation: entry.generation)
        return (lease, Self.idleInstancesAreDue(state, timeout: configuration.idleTimeout))
    }

    /// Returns an instance after its call. A poisoned or worn-out instance (or one made before a ``recycle()``, or
    /// any while draining) is closed, and a waiting call gets room to make a fresh one.
    package func release(_ lease: Lease, poisoned: Bool) async {
        await giveBack(lease, served: true, poisoned: poisoned)
    }

    /// Runs `body` with an instance of the pool; an error `isPoisoning` recognizes retires the instance.
    package func withWorker<R: Sendable>(
        deadline: ContinuousClock.Instant? = nil, isPoisoning: (any Error) -> Bool,
        _ body: @Sendable (Worker) async throws -> R
    ) async throws -> R {
        let lease = try await acquire(deadline: deadline)
        do {
            let result = try await body(lease.worker)
            await release(lease, poisoned: false)
            return result
        } catch {
            await release(lease, poisoned: isPoisoning(error))
            throw error
        }
    }

    /// Stops lending (calls waiting get `draining`), waits for the calls in flight, then closes every instance.
    package func drain() async {
        let waiting = state.withLock { state -> [Waiter] in
            state.isDraining = true
            var waiting: [Waiter] = []
            while let waiter = state.popWaiter() { waiting.append(waiter) }
            return waiting
        }
        for waiter in waiting {
            if let timer = waiter.timer { DeadlineScheduler.shared.cancel(timer) }
            waiter.continuation.resume(throwing: InstancePoolError(code: .draining, pool: name))
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.outstanding == 0 { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        await closeIdleWorkers()
    }

    /// Replaces every instance with a fresh one: idle instances are closed now, busy ones when their call returns,
    /// and the next calls get new instances (which see, e.g., capabilities granted since).
    package func recycle() async {
        state.withLock { $0.generation += 1 }
        await closeIdleWorkers()
    }

    // MARK: internals

    private func makeLease(generation: Int) async throws -> Lease {
        do {
            let worker = try await make()
            finishedMaking(success: true)
            return Lease(worker: worker, invocations: 0, generation: generation, isFresh: true)
        } catch {
            finishedMaking(success: false)
            throw error
        }
    }

    /// After making an instance: counts it, or on failure frees its room (for a waiting call to try).
    private func finishedMaking(success: Bool) {
        if success {
            state.withLock { $0.stats.created += 1 }
            return
        }
        let waiter = state.withLock { state -> (Waiter, Int)? in
            state.outstanding -= 1
            return Self.roomForWaiter(&state, size: configuration.size)
        }
        grant(waiter)
        finishDrainIfIdle()  // that instance may have been the last a drain waits for
    }

    private func waitForGrant(deadline: ContinuousClock.Instant?) async throws -> Grant {
        try Task.checkCancellation()
        let arrived = ContinuousClock.now
        let waitEnds = arrived.advanced(by: configuration.maxWait)
        let (ends, endsAtCallDeadline) = deadline.map { $0 < waitEnds ? ($0, true) : (waitEnds, false) } ?? (waitEnds, false)
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                state.withLock { state in
                    state.waiters.append(Waiter(id: id, continuation: continuation, timer: nil))
                }
                if Task.isCancelled {  // cancelled before the waiter was queued: its handler found nothing to expire
                    expire(id, with: CancellationError())
                    return
                }
                let timer = DeadlineScheduler.shared.schedule(at: ends) { [self] in
                    let waited = ContinuousClock.now - arrived
                    expire(id, with: endsAtCallDeadline
                        ? PlugboardError.timeout(limit: arrived.duration(to: ends), elapsed: waited)
                        : PlugboardError.overloaded(
                            name, reason: "the call waited \(PlugboardError.millisecondText(waited)) for one of its \(configuration.size) busy instances (max-wait)",
                            retryAfter: .seconds(1)))
                }
                let attached = state.withLock { state -> Bool in
                    guard let index = state.waiters[state.waitersHead...].firstIndex(where: { $0.id == id }) else { return false }
                    state.waiters[index].timer = timer
                    return true
                }
                if !attached { DeadlineScheduler.shared.cancel(timer) }  // granted already
            }
        } onCancel: {
            expire(id, with: CancellationError())
        }
    }

    /// Ends waiter `id`'s wait with `error`, if it still waits.
    private func expire(_ id: UInt64, with error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.removeWaiter(id) else { return nil }
            if error is PlugboardError { state.stats.overloaded += 1 }
            return waiter
        }
        guard let waiter else { return }
        if let timer = waiter.timer { DeadlineScheduler.shared.cancel(timer) }
        waiter.continuation.resume(throwing: error)
    }

    private func giveBack(_ lease: Lease, served: Bool, poisoned: Bool) async {
        if let retired = putBack(lease, served: served, poisoned: poisoned) { await close(retired: retired) }
    }

    /// Returns an instance after its call without suspending, as ``release(_:poisoned:)`` does, except that an
    /// instance to retire is handed back: the caller must pass it to ``close(retired:)``.
    package func releaseKeeping(_ lease: Lease, poisoned: Bool) -> Worker? {
        putBack(lease, served: true, poisoned: poisoned)
    }

    /// Closes an instance ``releaseKeeping(_:poisoned:)`` retired, then ends a drain that waited for it.
    package func close(retired worker: Worker) async {
        await close(worker)
        finishDrainIfIdle()
    }

    /// Puts a lent instance back: idle, handed to a waiting call, or retired (returned, to be closed).
    private func putBack(_ lease: Lease, served: Bool, poisoned: Bool) -> Worker? {
        let next = state.withLock { state -> Next in
            if served { state.stats.calls += 1 }
            let invocations = lease.invocations + (served ? 1 : 0)
            state.outstanding -= 1
            if poisoned || invocations >= configuration.maxInvocations || state.isDraining || lease.generation != state.generation {
                state.stats.retired += 1
                return .close(lease.worker, Self.roomForWaiter(&state, size: configuration.size))
            }
            if let waiter = state.popWaiter() {
                state.outstanding += 1
                return .handedOver(waiter, Lease(worker: lease.worker, invocations: invocations, generation: lease.generation))
            }
            state.idle.append(Idle(worker: lease.worker, invocations: invocations, since: CallInstant.now, generation: lease.generation))
            return .kept(scheduleSweep: Self.claimSweep(&state))
        }
        switch next {
        case .handedOver(let waiter, let lease):
            if let timer = waiter.timer { DeadlineScheduler.shared.cancel(timer) }
            waiter.continuation.resume(returning: Grant.lease(lease))
            return nil
        case .kept(let scheduleSweep):
            // Kept only while not draining, so no drain can be waiting for this instance.
            if scheduleSweep { self.scheduleSweep() }
            return nil
        case .close(let worker, let waiter):
            grant(waiter)
            return worker
        }
    }

    /// A waiting call to hand room to, now that an instance slot is free.
    private static func roomForWaiter(_ state: inout State, size: Int) -> (Waiter, Int)? {
        guard state.outstanding < size, !state.isDraining, let waiter = state.popWaiter() else { return nil }
        state.outstanding += 1
        return (waiter, state.generation)
    }

    private func grant(_ waiter: (Waiter, Int)?) {
        guard let (waiter, generation) = waiter else { return }
        if let timer = waiter.timer { DeadlineScheduler.shared.cancel(timer) }
        waiter.continuation.resume(returning: .room(generation: generation))
    }

    private func finishDrainIfIdle() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.isDraining, state.outstanding == 0 else { return [] }
            defer { state.drainWaiters.removeAll() }
            return state.drainWaiters
        }
        for waiter in waiting { waiter.resume() }
    }

    private func closeIdleWorkers() async {
        let closing = state.withLock { state -> [Idle] in
            defer { state.idle.removeAll() }
            state.stats.retired += state.idle.count
            return state.idle
        }
        for entry in closing { await close(entry.worker) }
    }

    /// Whether a sweep must be scheduled now (more than one instance idle, none scheduled); claims it if so.
    private static func claimSweep(_ state: inout State) -> Bool {
        guard state.idle.count > 1, !state.sweepScheduled else { return false }
        state.sweepScheduled = true
        return true
    }

    /// Whether instances other than the most recent have been idle longer than `timeout`.
    private static func idleInstancesAreDue(_ state: State, timeout: Duration) -> Bool {
        guard state.idle.count > 1, let oldest = state.idle.first else { return false }
        return CallInstant.now - oldest.since > timeout
    }

    /// Closes instances idle too long after the idle timeout, even when no call comes to do it; then schedules the
    /// next sweep if instances are still idle. Run once ``claimSweep(_:)`` claimed it.
    private func scheduleSweep() {
        let timeout = configuration.idleTimeout
        Task { [weak self] in
            try? await Task.sleep(for: timeout + .milliseconds(10))
            guard let self else { return }
            self.state.withLock { $0.sweepScheduled = false }
            await self.releaseIdleInstancesNow()
            if self.state.withLock({ Self.claimSweep(&$0) }) { self.scheduleSweep() }
        }
    }

    private func releaseIdleInstancesNow() async {
        let stale = state.withLock { state -> [Idle] in
            guard state.idle.count > 1 else { return [] }
            let now = CallInstant.now
            let newest = state.idle.removeLast()
            let stale = state.idle.filter { now - $0.since > configuration.idleTimeout }
            state.idle = state.idle.filter { now - $0.since <= configuration.idleTimeout } + [newest]
            state.stats.retired += stale.count
            return stale
        }
        for entry in stale { await close(entry.worker) }
    }
}
