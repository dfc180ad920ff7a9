import Logging
import Plugboard
import PlugboardManifest
import Testing

/// `HostCallContext` is a value: a copy changed by a host function (or a test) leaves every other copy as it was,
/// though copies share their fields until then.
@Suite struct HostCallContextTests {
    @Test func changingACopyLeavesTheOthersAsTheyWere() {
        let original = HostCallContext(
            pluginName: "p", pluginVersion: "1.0.0", configuration: ["k": "v"], logger: Logger(label: "test"), emit: { _, _ in },
            maxLogBytes: 8, maxOutputBytes: 16)
        var changed = original
        changed.pluginName = "q"
        changed.configuration["k"] = "w"
        changed.maxLogBytes = 4
        changed.deadline = .now
        var other = original
        other.maxOutputBytes = 32
        #expect(original.pluginName == "p")
        #expect(original.configuration == ["k": "v"])
        #expect(original.maxLogBytes == 8)
        #expect(original.maxOutputBytes == 16)
        #expect(original.deadline == nil)
        #expect(changed.pluginName == "q" && changed.configuration == ["k": "w"] && changed.maxLogBytes == 4 && changed.deadline != nil)
        #expect(changed.maxOutputBytes == 16)
        #expect(other.maxOutputBytes == 32 && other.pluginName == "p" && other.deadline == nil)
        #expect(changed.cutForLog("0123456789") == "0123 [cut at 4 bytes]")
        #expect(original.cutForLog("0123456789") == "01234567 [cut at 8 bytes]")
    }
}
