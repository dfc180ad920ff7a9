import Foundation
import PlugboardTesting
import Testing

/// Floods of host input, each in a process of its own (`Tests/PlugboardFloodProbe`) so that its peak memory can be
/// asserted: every call ends in a typed error (or `overloaded`), the process stays under ``peakBound``, and a
/// well-behaved plugin beside the flood keeps answering.
@Suite(.serialized) struct HostileFloodTests {
    /// The most resident memory a flood's process may reach. A debug build idles near 40 MiB; the largest flood
    /// holds one 16 MiB string, a plugin's 64 MiB memory, and a subscriber buffer bounded at 16 MiB.
    static let peakBound = 256 << 20

    struct Report: Decodable {
        var outcomes: [String: Int]
        var goodAnswers: Int
        var peakBytes: Int
        var subscriberBufferedBytes: Int?
        var subscriberDropped: Int?
        var pendingDeadlines: Int?
        var liveStores: Int?
        var longestCallSeconds: Double?
        var seconds: Double
    }

    static func run(_ flood: String) async throws -> Report {
        let probe = Repository.path(".build/debug/PlugboardFloodProbe")
        let output = try await Subprocess.run(probe, [flood], in: Repository.root)
        #expect(output.status == 0, "the probe failed: \(output.stderr.suffix(1000))")
        let report = try JSONDecoder().decode(Report.self, from: Data(output.stdout.utf8))
        print("HostileFloodTests: \(flood): \(report.outcomes), the good plugin answered \(report.goodAnswers) times, peak \(report.peakBytes >> 20) MiB, \(report.seconds) s")
        #expect(report.peakBytes > 0 && report.peakBytes < peakBound, "\(flood) peaked at \(report.peakBytes >> 20) MiB")
        return report
    }

    @Test func aMillionAliasesOfA16MiBStringGivenToAHostImportAreRefusedAtTheBudget() async throws {
        let report = try await Self.run("aliased-strings")
        #expect(report.outcomes == ["host-call-limit-exceeded": 5])
    }

    @Test func aGigabyteRandomGetIsEFAULTAndA31MiBLoopEndsAtItsDeadline() async throws {
        let report = try await Self.run("random-gigabyte")
        #expect(report.outcomes == ["ok": 3, "timeout": 1])
        #expect(report.goodAnswers > 0)
    }

    @Test func sixteenMiBEventsWithASubscriberThatNeverReadsStayWithinItsBuffer() async throws {
        let report = try await Self.run("event-flood")
        #expect(report.outcomes == ["timeout": 1])
        #expect(report.goodAnswers > 0)
        // The probe's subscriber buffer is 256 KiB: four events of 64 KiB (each cut from 16 MiB) overflow it.
        let buffered = try #require(report.subscriberBufferedBytes)
        #expect(buffered <= 256 << 10, "the subscriber holds \(buffered) bytes")
        #expect((report.subscriberDropped ?? 0) > 0)
    }

    /// One instance, a queue of 256 waiting at most 3 s, calls that never end before their 1 s deadline (which
    /// counts the wait): a call either runs and times out, waits and times out, or finds the queue full and is
    /// `overloaded` at once. None takes longer than the wait bound plus its deadline.
    @Test func tenThousandCallersOnAOneSecondPluginEndInTimeoutsOrOverloadedAndTheOthersKeepAnswering() async throws {
        let report = try await Self.run("callers")
        #expect(Set(report.outcomes.keys).isSubset(of: ["timeout", "overloaded"]), "\(report.outcomes)")
        #expect(report.outcomes.values.reduce(0, +) == 10_000)
        #expect((report.outcomes["timeout"] ?? 0) >= 1)
        #expect((report.outcomes["overloaded"] ?? 0) >= 1)
        let longest = try #require(report.longestCallSeconds)
        #expect(longest < 3 + 1 + 2, "a call took \(longest) s")
        #expect(report.goodAnswers > 0)
    }

    /// Leak hooks: after calls stopped by deadlines and by cancellation, and the plugins unloaded, no deadline is
    /// left in the scheduler and no store (instance) is alive.
    @Test func deadlinesAndCancellationsLeaveNoDeadlineScheduledAndNoInstanceAlive() async throws {
        let report = try await Self.run("deadlines")
        #expect(report.outcomes == ["timeout": 100, "ok": 100, "cancelled": 100], "\(report.outcomes)")
        #expect(report.pendingDeadlines == 0)
        #expect(report.liveStores == 0)
    }
}
