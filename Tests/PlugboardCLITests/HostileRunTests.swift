import Foundation
import Plugboard
import PlugboardTesting
import Testing

/// Every class of hostile plugin (``HostileCatalog``) through `plugboard run`: each ends with exit status 1 and an
/// error naming the plugin (or, where the host bounds what the guest asked for, with the plugin's answer), a deadline
/// stops it soon after the deadline, and the process's peak memory stays under ``peakBound``, read by GNU time.
@Suite(.serialized) struct HostileRunTests {
    /// How late after its deadline a child process may report a call stopped. The library stops a call within 100 ms
    /// of its deadline (`HostileClassTests` asserts that in the test process); a child process competes with the
    /// whole parallel test run for the machine's two cores, where a thread can wait that long just to be scheduled.
    static let stopSlackMilliseconds = 500

    /// The most resident memory a `plugboard run` of any case may reach (the debug build idles at about 45 MiB; the
    /// largest case lifts one 31 MiB event payload, which is then cut to 64 KiB).
    static let peakBound = 256 << 20

    @Test(arguments: HostileCatalog.all)
    func plugboardRunEndsEachClassAndStaysWithinItsMemoryBound(_ hostile: HostileCase) async throws {
        try await withTemporaryDirectory { directory in
            let folder = try hostile.write(into: directory.path)
            let result = try await runProcess(
                "/usr/bin/time", ["-f", "peak-kb=%M", try Repository.executable().path, "run", folder, "--input", "x", "--json"], in: Repository.root)
            let peak = try #require(Self.peakBytes(result.stderr), "GNU time's report: \(result.stderr.suffix(300))")
            #expect(peak < Self.peakBound, "\(hostile.name) took \(peak >> 20) MiB")
            switch hostile.expectedOutcome {
            case .refusedAtLoad(let code), .failsCall(let code):
                #expect(result.status == 1, "stderr: \(result.stderr.suffix(500))")
                #expect(result.stderr.contains("error: plugin '\(hostile.name)"), "stderr: \(result.stderr.suffix(500))")
                if code == .timeout {
                    let stoppedAfter = try #require(Self.stoppedAfter(result.stderr), "stderr: \(result.stderr.suffix(500))")
                    #expect(stoppedAfter >= 1000 && stoppedAfter <= 1000 + HostileRunTests.stopSlackMilliseconds, "stopped after \(stoppedAfter) ms")
                }
            case .answers(let output):
                #expect(result.status == 0, "stderr: \(result.stderr.suffix(500))")
                #expect(result.stdout.contains("\"output\":\"\(output)\""), "stdout: \(result.stdout.prefix(300))")
            }
        }
    }

    static func peakBytes(_ stderr: String) -> Int? {
        guard let line = stderr.split(separator: "\n").last(where: { $0.hasPrefix("peak-kb=") }) else { return nil }
        return Int(line.dropFirst("peak-kb=".count)).map { $0 << 10 }
    }

    /// The milliseconds in a timeout's "stopped after N ms".
    static func stoppedAfter(_ text: String) -> Int? {
        guard let range = text.range(of: "stopped after ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
