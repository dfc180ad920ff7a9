import Synchronization
import Logging
import Testing

import Plugboard
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// A plugin's log lines are cut to its output limit before they reach the host's logger.
@Suite struct LogLimitTests {
    @Test func aLogMessageOverTheLimitIsCutAndMarked() {
        let (logger, logs) = RecordingLogHandler.logger()
        let context = HostCallContext(
            pluginName: "p", pluginVersion: "1.0.0", configuration: [:], logger: logger, emit: { _, _ in }, maxLogBytes: 8)
        #expect(DefaultHostAPI().logMessage(context: context, level: "info", message: "0123456789abcdef").isOK)
        #expect(DefaultHostAPI().logMessage(context: context, level: "info", message: "short").isOK)
        #expect(logs.all.map(\.message) == ["01234567 [cut at 8 bytes]", "short"])
    }

    /// Guest output arrives in writes of any size: a line is cut at the limit however it was split, the rest of it
    /// is dropped up to its newline, and a line of exactly the limit is whole.
    @Test func guestOutputLinesAreCutAtTheLimitAcrossWrites() {
        let lines = Mutex<[String]>([])
        let output = GuestOutput(maximumLineLength: 8) { line, _ in lines.withLock { $0.append(line) } }
        for piece in ["0123", "4567", "89", "ab\nexactly8", "\nsplit ", "line\nx", "yz"] {
            output.write(Array(piece.utf8), toStandardError: false)
        }
        #expect(lines.withLock { $0 } == ["01234567 [cut at 8 bytes]", "exactly8", "split li [cut at 8 bytes]"])
        output.flush()
        #expect(lines.withLock { $0 }.last == "xyz")
    }
}
