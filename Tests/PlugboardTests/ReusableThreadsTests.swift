import Dispatch
import PlugboardRuntime
import PlugboardTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loading threads (``LoadingThreads/threads``) are kept for the next load or fresh instance: work handed over
/// one piece at a time reuses them, work handed over at once gets a thread each, and idle threads end.
@Suite struct ReusableThreadsTests {
    /// Runs `body` on `threads` and waits for it.
    static func run<T: Sendable>(on threads: ReusableThreads, _ body: @escaping @Sendable () -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try threads.run { continuation.resume(returning: body()) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    @Test func workHandedOverOnePieceAtATimeReusesThreads() async throws {
        let threads = ReusableThreads(stackSize: 1 << 20)
        let pieces = 200
        for _ in 0..<pieces { _ = try await Self.run(on: threads) { 1 } }
        // A new thread starts only when none is idle. The one that ran the last piece may not be idle yet when the
        // next arrives (more so on a loaded machine), so a few threads take turns; but far fewer than one a piece.
        let started = threads.threadCounts.started
        #expect(started < pieces / 4, "\(started) threads started for \(pieces) pieces of work handed over one at a time")
    }

    @Test func workHandedOverAtOnceGetsAThreadEach() async throws {
        let threads = ReusableThreads(stackSize: 1 << 20)
        let pieces = 6
        let started = ConcurrencyTests.Counter()
        let release = DispatchSemaphore(value: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<pieces {
                group.addTask {
                    try await Self.run(on: threads) {
                        started.increment()
                        release.wait()  // every piece waits until all have started: they cannot share a thread
                    }
                }
            }
            #expect(try await eventually(within: 60) { started.value == pieces }, "\(started.value) of \(pieces) pieces started")
            for _ in 0..<pieces { release.signal() }
            try await group.waitForAll()
        }
        #expect(threads.threadCounts.started == pieces)
    }

    @Test func idleThreadsEndAfterTheIdleTimeout() async throws {
        let threads = ReusableThreads(stackSize: 1 << 20, idleTimeout: .milliseconds(20))
        for _ in 0..<3 { _ = try await Self.run(on: threads) { 1 } }
        #expect(try await eventually(within: 60) { threads.threadCounts.alive == 0 }, "\(threads.threadCounts.alive) threads still alive")
        // And one starts again for new work.
        #expect(try await Self.run(on: threads) { 42 } == 42)
    }

    @Test func theWorkRunsOnAStackOfTheChosenSize() async throws {
        #if os(Linux)
        // Larger than the default stack (`ulimit -s`, usually 8 MiB), which a thread would get if the size were lost.
        let threads = ReusableThreads(stackSize: 24 << 20)
        // glibc's `pthread_getattr_np` (the Glibc module leaves it out: it needs _GNU_SOURCE).
        typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np"))
        let getAttributes = unsafeBitCast(symbol, to: GetAttributes.self)
        let size = try await Self.run(on: threads) { () -> Int in
            let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
            defer { attributes.deallocate() }
            guard getAttributes(pthread_self(), attributes) == 0 else { return 0 }
            defer { pthread_attr_destroy(attributes) }
            var size = 0
            pthread_attr_getstacksize(attributes, &size)
            return size
        }
        #expect(size >= 24 << 20)
        #endif
    }
}
