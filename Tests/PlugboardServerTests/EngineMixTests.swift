import Foundation
import Plugboard
import PlugboardServer
import PlugboardTesting
import Testing

/// `plugboard serve` with plugins on both engines: each manifest picks its own, the server's default takes the rest,
/// each answers, `/v1/plugins` and `/metrics` say which engine serves each version, and a hot reload moves a plugin
/// from one engine to the other.
@Suite struct EngineMixTests {
    @Test func pluginsOnBothEnginesServeSideBySideAndSayWhichEngineServesThem() async throws {
        let plugins = try PluginDirectory()
        try plugins.add("interpreted", manifest: "engine = \"wasmkit\"")
        try plugins.add("compiled", manifest: "engine = \"wasmtime\"")
        try plugins.add("defaulted")
        var configuration = PlugboardServer.Configuration(pluginDirectories: [plugins.path])
        configuration.registry.host.engine = WasmKitEngine()
        try await RunningServer.withServer(configuration) { server in
            for (name, engine) in [("interpreted", "wasmkit"), ("compiled", "wasmtime"), ("defaulted", "wasmkit")] {
                let reply = try await server.process(name, "hi")
                #expect(reply.status == 200 && reply.json["output"] as? String == "1.0.0:hi", "\(name): \(reply.json)")
                let described = try await server.get("/v1/plugins/\(name)")
                #expect((described.json["stable"] as? [String: Any])?["engine"] as? String == engine, "\(name)")
            }
            let metrics = try await server.get("/metrics")
            #expect(metrics.body.contains(#"plugboard_calls_total{plugin="compiled",version="1.0.0",engine="wasmtime",outcome="ok"} 1"#))
            #expect(metrics.body.contains(#"plugboard_calls_total{plugin="interpreted",version="1.0.0",engine="wasmkit",outcome="ok"} 1"#))

            // A hot reload moves a plugin across engines: its new manifest names Wasmtime.
            try plugins.add("interpreted", version: "2.0.0", manifest: "engine = \"wasmtime\"")
            let moved = try await eventually(within: 60) {
                try await server.server.registry.summary("interpreted").stable.engine == "wasmtime"
            }
            #expect(moved, "the reload did not move the plugin to Wasmtime")
            let reply = try await server.process("interpreted", "hi")
            #expect(reply.json["output"] as? String == "2.0.0:hi")
        }
    }
}
