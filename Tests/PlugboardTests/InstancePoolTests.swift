import Plugboard
import PlugboardTesting
import Synchronization
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// `InstancePool` on its own, with plain workers: lending up to its size, poisoning, recycling after
/// `maxInvocations`, idle release, draining and failed instantiation.
@Suite struct InstancePoolTests {
    /// Makes numbered workers and records which were closed.
    final class Workshop: Sendable {
        private let made = Atomic<Int>(0)
        private let closedIDs = Mutex<[Int]>([])
        let failNext = Atomic<Bool>(false)

        struct Failure: Error {}

        func make() throws -> Int {
            if failNext.exchange(false, ordering: .relaxed) { throw Failure() }
            return made.add(1, ordering: .relaxed).newValue
        }

        func close(_ worker: Int) { closedIDs.withLock { $0.append(worker) } }
        var closed: [Int] { closedIDs.withLock { $0 } }
        var madeCount: Int { made.load(ordering: .relaxed) }
    }

    struct Poison: Error {}

    /// Calls running now, the most at once, and the order they started in.
    /// A flag one task raises and another reads.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func raise() { value.store(true, ordering: .relaxed) }
        var isRaised: Bool { value.load(ordering: .relaxed) }
    }

    final class Counters: Sendable {
        private let state = Mutex<(running: Int, most: Int, order: [Int])>((0, 0, []))
        func enter(_ call: Int) {
            state.withLock {
                $0.running += 1
                $0.most = max($0.most, $0.running)
                $0.order.append(call)
            }
        }
        func leave() { state.withLock { $0.running -= 1 } }
        var mostAtOnce: Int { state.withLock { $0.most } }
        var order: [Int] { state.withLock { $0.order } }
    }

    static func pool(
        _ workshop: Workshop, size: Int = 2, maxInvocations: Int = 1_000, idleTimeout: Duration = .seconds(300), maxQueue: Int = 512,
        maxWait: Duration = .seconds(60)
    ) -> InstancePool<Int> {
        InstancePool(
            name: "test",
            configuration: InstancePoolConfiguration(
                size: size, maxInvocations: maxInvocations, idleTimeout: idleTimeout, maxQueue: maxQueue, maxWait: maxWait),
            make: { try workshop.make() }, close: { workshop.close($0) })
    }

    @Test func callsReuseAWarmWorkerAndAPoisonedOneIsClosedAndReplaced() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop)
        try await pool.prewarm(1)
        #expect(try await pool.withWorker { $0 } == 1)
        #expect(try await pool.withWorker { $0 } == 1)
        await #expect(throws: Poison.self) { try await pool.withWorker { _ in throw Poison() } }
        #expect(workshop.closed == [1])
        #expect(try await pool.withWorker { $0 } == 2)
        // An error that does not poison keeps the worker.
        await #expect(throws: Workshop.Failure.self) { try await pool.withWorker { _ in throw Workshop.Failure() } }
        #expect(try await pool.withWorker { $0 } == 2)
        let statistics = await pool.statistics
        #expect(statistics.created == 2)
        #expect(statistics.retired == 1)
        #expect(statistics.calls == 6)
    }

    @Test func aWorkerIsReplacedAfterMaxInvocations() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, maxInvocations: 3)
        var served: [Int] = []
        for _ in 0..<7 { served.append(try await pool.withWorker { $0 }) }
        #expect(served == [1, 1, 1, 2, 2, 2, 3])
        #expect(workshop.closed == [1, 2])
    }

    @Test func atMostSizeWorkersRunAtOnce() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 2)
        let counters = Counters()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for call in 0..<8 {
                group.addTask {
                    try await pool.withWorker { _ in
                        counters.enter(call)
                        try await Task.sleep(for: .milliseconds(20))
                        counters.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(counters.mostAtOnce == 2)
        #expect(workshop.madeCount == 2)
    }

    /// First come, first served. With one worker the order calls start in is the order they were granted it (with
    /// two, two granted calls resume on different threads and may start in either order).
    @Test func waitingCallsAreServedInTheOrderTheyArrived() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 1)
        let counters = Counters()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for call in 0..<8 {
                group.addTask {
                    try await pool.withWorker { _ in
                        counters.enter(call)
                        try await Task.sleep(for: .milliseconds(5))
                        counters.leave()
                    }
                }
                // Queue them in a known order: each waits for the one before to be running, queued or done.
                while pool.statistics.arrived <= call {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            try await group.waitForAll()
        }
        #expect(counters.order == Array(0..<8))
    }

    @Test func idleWorkersBeyondOneAreReleasedAfterTheIdleTimeout() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 3, idleTimeout: .milliseconds(50))
        // Three calls at once make three workers.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await pool.withWorker { _ in try await Task.sleep(for: .milliseconds(30)) } } }
            try await group.waitForAll()
        }
        #expect(await pool.statistics.idle == 3)
        // With no call coming, the sweep releases all but one.
        #expect(try await eventually(within: 30, every: .milliseconds(5)) { await pool.statistics.idle <= 1 })
        #expect(await pool.statistics.idle == 1)
        #expect(workshop.closed.count == 2)
    }

    @Test func drainingWaitsForCallsInFlightRefusesNewOnesAndClosesEveryWorker() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 1)
        // Ordered by the pool's own statistics and a gate, not by sleeps: a loaded machine may run any task late.
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let finished = Flag()
        let slow = Task {
            try await pool.withWorker { _ in
                for await _ in gate {}
                finished.raise()
            }
        }
        while await pool.statistics.busy < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let waiting = Task { try await pool.withWorker { $0 } }
        while await pool.statistics.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }

        let drainReturned = Flag()
        let drained = Task {
            await pool.drain()
            drainReturned.raise()
        }
        // Draining refuses the call that was waiting at once, while the call in flight still runs.
        let waited = await waiting.result
        guard case .failure(let error as InstancePoolError) = waited else {
            Issue.record("a call waiting when the pool drains should fail with draining, got \(waited)")
            open.finish()
            return
        }
        #expect(error.code == .draining)
        #expect(error.description.contains("route the call to the current version"))
        await #expect(throws: InstancePoolError.self) { try await pool.withWorker { $0 } }

        // The call in flight holds the drain until it returns.
        try await Task.sleep(for: .milliseconds(50))
        #expect(!drainReturned.isRaised, "drain returned while a call was still in flight")
        open.finish()
        await drained.value
        #expect(finished.isRaised, "drain returned before the call in flight finished")
        try await slow.value
        #expect(workshop.closed == [1])
    }

    @Test func aFailedInstantiationIsReportedAndFreesItsSlot() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 1)
        workshop.failNext.store(true, ordering: .relaxed)
        await #expect(throws: Workshop.Failure.self) { try await pool.withWorker { $0 } }
        #expect(try await pool.withWorker { $0 } == 1)
    }

    /// Holds the pool's only worker until `open` finishes; returns once the worker is busy.
    static func occupy(_ pool: InstancePool<Int>) async throws -> (Task<Void, any Error>, AsyncStream<Void>.Continuation) {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let holder = Task { try await pool.withWorker { _ in for await _ in gate {} } }
        while pool.statistics.busy < 1 { try await Task.sleep(for: .milliseconds(2)) }
        return (holder, open)
    }

    @Test func aCallArrivingWhenTheQueueIsFullIsOverloadedAtOnce() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 1, maxQueue: 2)
        let (holder, open) = try await Self.occupy(pool)
        let waiters = (0..<2).map { _ in Task { try await pool.withWorker { $0 } } }
        while pool.statistics.waiting < 2 { try await Task.sleep(for: .milliseconds(2)) }
        let error = try await #require(throws: PlugboardError.self) { try await pool.withWorker { $0 } }
        #expect(error.code == .overloaded)
        #expect(error.message.contains("2 calls already wait for one of its 1 instances (max-queue)"))
        #expect(error.retryAfter != nil)
        #expect(pool.statistics.overloaded == 1)
        open.finish()
        try await holder.value
        for waiter in waiters { #expect(try await waiter.value == 1) }
    }

    @Test func aCallWaitingLongerThanMaxWaitIsOverloadedAndNeverRuns() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 1, maxWait: .milliseconds(50))
        let (holder, open) = try await Self.occupy(pool)
        let ran = Flag()
        let error = try await #require(throws: PlugboardError.self) { try await pool.withWorker { _ in ran.raise() } }
        #expect(error.code == .overloaded)
        #expect(error.message.contains("(max-wait)"))
        #expect(!ran.isRaised)
        #expect(pool.statistics.waiting == 0)
        open.finish()
        try await holder.value
        #expect(try await pool.withWorker { $0 } == 1)
    }

    @Test func theCallsOwnDeadlineEndsItsWaitAsATimeout() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 1, maxWait: .seconds(60))
        let (holder, open) = try await Self.occupy(pool)
        let error = try await #require(throws: PlugboardError.self) {
            try await pool.withWorker(deadline: .now.advanced(by: .milliseconds(30))) { $0 }
        }
        #expect(error.code == .timeout)
        open.finish()
        try await holder.value
    }

    @Test func aWaitingCallWhoseTaskIsCancelledLeavesTheQueue() async throws {
        let workshop = Workshop()
        let pool = Self.pool(workshop, size: 1)
        let (holder, open) = try await Self.occupy(pool)
        let waiter = Task { try await pool.withWorker { $0 } }
        while pool.statistics.waiting < 1 { try await Task.sleep(for: .milliseconds(2)) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(pool.statistics.waiting == 0)
        open.finish()
        try await holder.value
    }
}

extension InstancePool where Worker == Int {
    /// `withWorker` where a ``InstancePoolTests/Poison`` error poisons the worker.
    func withWorker<R: Sendable>(deadline: ContinuousClock.Instant? = nil, _ body: @Sendable (Int) async throws -> R) async throws -> R {
        try await withWorker(deadline: deadline, isPoisoning: { $0 is InstancePoolTests.Poison }, body)
    }
}
