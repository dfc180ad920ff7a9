import AsyncHTTPClient
import Foundation
import NIOHTTP1
import NIOCore
import Plugboard
import PlugboardServer
import PlugboardTesting
import Synchronization
import Testing

/// Load over loopback while the plugin is hot-reloaded from its file (valid and invalid versions) and a canary is
/// deployed and promoted through the admin API: every response is a 200 from a version that was deployed.
@Suite struct LoadTests {
    @Test func noCallFailsWhileThePluginIsReloadedAndACanaryIsPromoted() async throws {
        let plugins = try PluginDirectory()
        try plugins.add("echo", version: "1.0.0")
        let token = "load-token"
        let configuration = PlugboardServer.Configuration(
            pluginDirectories: [plugins.path], adminToken: token,
            registry: .init(reloadDebounce: .milliseconds(20)))
        try await RunningServer.withServer(configuration) { server in
            let shared = SharedState()
            shared.insert("1.0.0")
            let duration = Duration.seconds(6)

            // Four clients calling continuously, keyed so canary routing is exercised.
            let clients = (0..<4).map { client in
                Task { () -> (calls: Int, failures: [String]) in
                    var calls = 0
                    var failures: [String] = []
                    while !shared.isStopped {
                        let input = "c\(client)-\(calls)"
                        let reply = try await server.process("echo", input, key: "key-\(calls % 97)")
                        calls += 1
                        let version = reply.json["version"] as? String ?? "?"
                        let output = reply.json["output"] as? String ?? ""
                        if reply.status != 200 || output != "\(version):\(input)" || !shared.contains(version) {
                            failures.append("\(reply.status) \(reply.body)")
                        }
                    }
                    return (calls, failures)
                }
            }

            // Hot reloads from the file: new patch versions, and every third write an invalid module.
            let pluginFile = plugins.url.appendingPathComponent("echo/plugin.wat")
            let reloader = Task { () -> (valid: Int, invalid: Int) in
                var valid = 0
                var invalid = 0
                var patch = 1
                while !shared.isStopped {
                    if patch % 3 == 0 {
                        try "(module (func $broken".write(to: pluginFile, atomically: false, encoding: .utf8)
                        invalid += 1
                    } else {
                        let version = "1.0.\(patch)"
                        shared.insert(version)
                        try VersionedGuest.wat(name: "echo", version: version).write(to: pluginFile, atomically: false, encoding: .utf8)
                        valid += 1
                    }
                    patch += 1
                    try await Task.sleep(for: .milliseconds(150))
                }
                return (valid, invalid)
            }

            // A canary through the admin API, then promoted.
            try await Task.sleep(for: .seconds(2))
            shared.insert("2.0.0")
            let canary = try await server.request(
                .POST, "/v1/admin/plugins/echo/versions?canary=30", body: VersionedGuest.bytes(name: "echo", version: "2.0.0"), token: token)
            #expect(canary.status == 201, "\(canary.body)")
            try await Task.sleep(for: .seconds(1))
            let promoted = try await server.request(.POST, "/v1/admin/plugins/echo/promote", token: token)
            #expect(promoted.status == 200 || promoted.status == 409, "\(promoted.body)")  // 409: a reload replaced the canary's stable first

            try await Task.sleep(for: duration - .seconds(3))
            shared.stop()
            let (valid, invalid) = try await reloader.value
            var clientCalls: [Int] = []
            var failures: [String] = []
            for client in clients {
                let result = try await client.value
                clientCalls.append(result.calls)
                failures += result.failures
            }
            let calls = clientCalls.reduce(0, +)
            // The watcher coalesces writes that come faster than it deploys (a loaded machine deploys slowly), so the
            // last write of a burst may always have been a valid one: write one invalid version now, on its own.
            try "(module (func $broken".write(to: pluginFile, atomically: false, encoding: .utf8)
            let refusedOnce = try await eventually(within: 60) {
                try await server.server.registry.summary("echo").history.contains { $0.kind == .reloadRefused }
            }
            #expect(refusedOnce, "an invalid version written alone was not refused")
            let summary = try await server.server.registry.summary("echo")
            let refused = summary.history.filter { $0.kind == .reloadRefused }.count
            print(
                "LoadTests: \(calls) HTTP calls in \(duration) by 4 clients (\(Int(Double(calls) / 6)) per second) while \(valid) valid and \(invalid) invalid versions were written and a canary was promoted; \(failures.count) failed; \(refused) reloads refused in the last \(summary.history.count) events"
            )
            #expect(failures.isEmpty, "\(failures.prefix(5))")
            #expect(clientCalls.allSatisfy { $0 > 0 }, "every client got answers: \(clientCalls)")
            #expect(valid >= 10)
            #expect(refused >= 1)
        }
    }
}
