import Plugboard
import PlugboardTesting
import Testing

@Suite struct WasmtimeSmokeTests {
    @Test func theCExampleProcessesOnWasmtime() async throws {
        let host = PluginHost(configuration: .init(engine: try WasmtimeEngine()))
        let plugin = try await host.load(path: Repository.cPlugin)
        try await plugin.initialize(config: [])
        let response = try await plugin.process(ProcessRequest(input: "hello world", options: [("mode", "uppercase")]))
        #expect(response.output == "HELLO WORLD")
    }
}
