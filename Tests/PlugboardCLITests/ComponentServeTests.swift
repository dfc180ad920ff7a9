import Foundation
import NIOHTTP1
import PlugboardTesting
import Testing

/// `plugboard serve` serves components as it serves core modules: one found in the watched directory and one
/// uploaded through the admin API, and the Python example, all built from the examples' sources in the test run.
@Suite struct ComponentServeTests {
    @Test func componentsInTheDirectoryAndUploadedAnswerLikeTheirCoreTwins() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = directory.appendingPathComponent("plugins").path
            try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: try await ExampleBuild.watComponent.path(), toPath: plugins + "/wat-component.wasm")
            try FileManager.default.copyItem(atPath: Repository.watPlugin, toPath: plugins + "/good.wat")
            try FileManager.default.copyItem(atPath: try await ExampleBuild.python.path(), toPath: plugins + "/python.wasm")
            let process = try ServerProcess(
                try Repository.executable().path, ["serve", "--plugins", plugins, "--port", "0", "--admin-token", HostileServeTests.token],
                in: Repository.root.path)
            // The server serves once every plugin in the directory is loaded: the Python one (18 MB, parsed and
            // planned by a debug build while other suites run) can take minutes on a busy 2-core machine.
            let port = try #require(
                try await process.waitForLog(#"Serving plugins on http://127\.0\.0\.1:(\d+)/"#, timeout: .seconds(300)),
                "the server did not start: \(process.log.suffix(2000))")
            let server = HostileServeTests.Server(process: process, base: "http://127.0.0.1:\(port)")

            let request = Array(#"{"input": "served components", "options": {"mode": "uppercase"}}"#.utf8)
            // The component from the directory is named by its file, as a module would be.
            let (status, json) = try await server.request(.POST, "/v1/plugins/wat-component/process", body: request)
            #expect(status == 200 && json["output"] as? String == "SERVED COMPONENTS", "\(status) \(json)")
            let (twinStatus, twin) = try await server.request(.POST, "/v1/plugins/good/process", body: request)
            #expect(twinStatus == 200 && twin["output"] as? String == json["output"] as? String, "\(twinStatus) \(twin)")
            let (pythonStatus, python) = try await server.request(.POST, "/v1/plugins/python/process", body: request)
            #expect(pythonStatus == 200 && python["output"] as? String == json["output"] as? String, "\(pythonStatus) \(python)")

            // A component uploaded through the admin API deploys and answers.
            let component = try await ExampleBuild.cFreestandingComponent.bytes()
            let (uploaded, deployment) = try await server.request(.POST, "/v1/admin/plugins/c-component/versions", body: component, admin: true)
            #expect(uploaded == 201, "\(uploaded) \(deployment)")
            let (calledStatus, called) = try await server.request(
                .POST, "/v1/plugins/c-component/process", body: Array(#"{"input": "a b c", "options": {"mode": "wordcount"}}"#.utf8))
            #expect(calledStatus == 200 && called["output"] as? String == "3", "\(calledStatus) \(called)")

            let listing = try await server.request(.GET, "/v1/plugins").json
            let names = Set((listing["plugins"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
            #expect(names.isSuperset(of: ["wat-component", "good", "c-component", "python"]), "\(listing)")
            #expect(await process.stop() == 0)
        }
    }
}
