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
}
