import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Plugboard
import PlugboardServer
import PlugboardTesting
import Testing

/// Every endpoint of `plugboard serve`, success and each error code, against a server on an ephemeral port.
@Suite struct APITests {
    /// A directory with the example WAT plugin and plugins that echo, trap, run out of time and run out of fuel.
    static func pluginDirectory() throws -> PluginDirectory {
        let directory = try PluginDirectory()
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("text-transform"), withIntermediateDirectories: true)
        try directory.copy("examples/plugins/text-transform-wat/plugin.wat", as: "text-transform/plugin.wat")
        try directory.add("echo")
        try directory.add("trapper", behavior: .trap)
        try directory.add("sleepy", behavior: .spin(iterations: 2_000_000_000), manifest: "[limits]\ntimeout-ms = 100")
        try directory.add("hungry", behavior: .spin(iterations: 2_000_000_000), manifest: "[limits]\nfuel = 100000")
        try directory.add("grumpy", behavior: .reject)
        return directory
    }

    @Test func processAnswersWithTheServingVersionAndTakesOptionsAsAnObjectOrAsOrderedPairs() async throws {
        let plugins = try Self.pluginDirectory()
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path])) { server in
            let echo = try await server.process("echo", "hello")
            #expect(echo.status == 200)
            #expect(echo.json["output"] as? String == "1.0.0:hello")
            #expect(echo.json["success"] as? Bool == true)
            #expect(echo.json["version"] as? String == "1.0.0")
            #expect(echo.json.keys.contains("errorMessage"))
            #expect(echo.headers.contains { $0.0.lowercased() == "content-type" && $0.1.hasPrefix("application/json") })

            let object = try await server.post(
                "/v1/plugins/text-transform/process", json: #"{"input": "hello plugins", "options": {"mode": "uppercase"}}"#)
            #expect(object.status == 200)
            #expect(object.json["output"] as? String == "HELLO PLUGINS")
            // Pairs keep their order: the example plugin applies the last `mode` it is given.
            let pairs = try await server.post(
                "/v1/plugins/text-transform/process",
                json: #"{"input": "a b c", "options": [["mode", "uppercase"], ["mode", "wordcount"]]}"#)
            #expect(pairs.json["output"] as? String == "3")
            let reversed = try await server.post(
                "/v1/plugins/text-transform/process",
                json: #"{"input": "a b c", "options": [["mode", "wordcount"], ["mode", "uppercase"]]}"#)
            #expect(reversed.json["output"] as? String == "A B C")

            // A plugin that answers success: false is a 200 whose body says so.
            let rejected = try await server.process("grumpy", "x")
            #expect(rejected.status == 200)
            #expect(rejected.json["success"] as? Bool == false)
            #expect(rejected.json["errorMessage"] as? String == "rejected by 1.0.0")
        }
    }

    /// The process route reads its body and writes its answer without Foundation's JSON coders; both must agree
    /// with them byte for byte, on every escape and on every form of the body.
    @Test func processBodiesKeepEveryEscapeAndTheAnswerIsWhatJSONEncoderWrites() async throws {
        struct Expected: Encodable {
            var output: String
            var success = true
            var errorMessage: String?
            var version = "1.0.0"
            enum CodingKeys: String, CodingKey { case output, success, errorMessage, version }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(output, forKey: .output)
                try container.encode(success, forKey: .success)
                try container.encode(errorMessage, forKey: .errorMessage)
                try container.encode(version, forKey: .version)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let strings: [(json: String, value: String)] = [
            (#""plain""#, "plain"),
            (#""""#, ""),
            (#""quote \" backslash \\ slash \/ /""#, "quote \" backslash \\ slash / /"),
            (#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
            (#""\u00e9\u4E2D\ud83d\ude00 é中😀""#, "é中😀 é中😀"),
            (#""\u0001\u001f\u007f <\u0000>""#, "\u{1}\u{1f}\u{7f} <\u{0}>"),
        ]
        let plugins = try Self.pluginDirectory()
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path])) { server in
            for (json, value) in strings {
                let bodies = [
                    #"{"input": \#(json)}"#,
                    #" { "input" : \#(json) , "options" : null , "key" : null } "#,
                    #"{"key": "k", "options": {"b": "2", "a": "1"}, "input": \#(json)}"#,
                    #"{"options": [["m", "u"]], "input": \#(json), "unknown": [1, {"x": null}]}"#,
                ]
                for body in bodies {
                    let reply = try await server.post("/v1/plugins/echo/process", json: body)
                    #expect(reply.status == 200, "\(body)")
                    let expected = String(decoding: try encoder.encode(Expected(output: "1.0.0:" + value)), as: UTF8.self)
                    #expect(reply.body == expected, "\(body)")
                }
            }
            for bad in [#"{"input": 5}"#, #"{"input": "x"} trailing"#, #"{"input": "x", "options": [["k"]]}"#, #"{"input": "\x"}"#] {
                let reply = try await server.post("/v1/plugins/echo/process", json: bad)
                #expect(reply.status == 400, "\(bad)")
                #expect(reply.errorCode == "bad-request", "\(bad)")
            }
        }
    }

    @Test func eachFailureHasItsStatusAndStableCode() async throws {
        let plugins = try Self.pluginDirectory()
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path], maxBodyBytes: 4096)) { server in
            let trap = try await server.process("trapper", "x")
            #expect(trap.status == 502)
            #expect(trap.errorCode == "trap")
            #expect(trap.errorMessage?.contains("trapper") == true)

            let timeout = try await server.process("sleepy", "x")
            #expect(timeout.status == 504)
            #expect(timeout.errorCode == "timeout")
            #expect(timeout.errorMessage?.contains("100 ms") == true)

            let fuel = try await server.process("hungry", "x")
            #expect(fuel.status == 429)
            #expect(fuel.errorCode == "fuel-exhausted")

            let unknown = try await server.process("nope", "x")
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "plugin-not-found")
            #expect(unknown.errorMessage?.contains("nope") == true)

            let notJSON = try await server.post("/v1/plugins/echo/process", json: "{input: oops")
            #expect(notJSON.status == 400)
            #expect(notJSON.errorCode == "bad-request")
            let noInput = try await server.post("/v1/plugins/echo/process", json: #"{"options": {}}"#)
            #expect(noInput.status == 400)
            #expect(noInput.errorMessage?.contains("input") == true)
            let badPair = try await server.post("/v1/plugins/echo/process", json: #"{"input": "x", "options": [["only-a-key"]]}"#)
            #expect(badPair.status == 400)

            let huge = try await server.post("/v1/plugins/echo/process", json: "{\"input\": \"\(String(repeating: "a", count: 10_000))\"}")
            #expect(huge.status == 413)
            #expect(huge.errorCode == "body-too-large")
            #expect(try await server.server.registry.summary("echo").stable.stats.calls == 0)  // it never reached the plugin

            let noRoute = try await server.get("/v2/nothing")
            #expect(noRoute.status == 404)
            #expect(noRoute.errorCode == "not-found")

            // After all that, the plugins still answer.
            #expect(try await server.process("echo", "still here").json["output"] as? String == "1.0.0:still here")
            #expect(try await server.process("trapper", "again").status == 502)
        }
    }

    @Test func aBatchKeepsRequestOrderAndOneFailureDoesNotFailTheOthers() async throws {
        let plugins = try Self.pluginDirectory()
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path])) { server in
            let body = #"""
                {"concurrency": 3, "requests": [
                  {"plugin": "echo", "input": "one"},
                  {"plugin": "trapper", "input": "two"},
                  {"plugin": "text-transform", "input": "three", "options": {"mode": "uppercase"}},
                  {"plugin": "nope", "input": "four"},
                  {"plugin": "echo", "input": "five", "key": "k"}
                ]}
                """#
            let reply = try await server.post("/v1/batch", json: body)
            #expect(reply.status == 200)
            let results = try #require(reply.json["results"] as? [[String: Any]])
            #expect(results.count == 5)
            #expect(results.map { $0["plugin"] as? String } == ["echo", "trapper", "text-transform", "nope", "echo"])
            #expect(results.map { $0["status"] as? Int } == [200, 502, 200, 404, 200])
            #expect(results[0]["output"] as? String == "1.0.0:one")
            #expect((results[1]["error"] as? [String: Any])?["code"] as? String == "trap")
            #expect(results[2]["output"] as? String == "THREE")
            #expect((results[3]["error"] as? [String: Any])?["code"] as? String == "plugin-not-found")
            #expect(results[4]["output"] as? String == "1.0.0:five")

            let bad = try await server.post("/v1/batch", json: #"{"requests": [{"input": "no plugin"}]}"#)
            #expect(bad.status == 400)
        }
    }

    @Test func listingsShowVersionsStateHealthLimitsAndCapabilities() async throws {
        let plugins = try Self.pluginDirectory()
        try "not a module".write(to: plugins.url.appendingPathComponent("broken.wasm"), atomically: true, encoding: .utf8)
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path])) { server in
            _ = try await server.process("echo", "x")
            let list = try await server.get("/v1/plugins")
            #expect(list.status == 200)
            let entries = try #require(list.json["plugins"] as? [[String: Any]])
            #expect(entries.compactMap { $0["name"] as? String } == ["echo", "grumpy", "hungry", "sleepy", "text-transform", "trapper"])
            let failed = try #require(list.json["failed"] as? [[String: Any]])
            #expect(failed.first?["name"] as? String == "broken")

            let echo = try await server.get("/v1/plugins/echo")
            #expect(echo.status == 200)
            let json = echo.json
            #expect(json["state"] as? String == "active")
            #expect((json["stable"] as? [String: Any])?["version"] as? String == "1.0.0")
            #expect(((json["stable"] as? [String: Any])?["stats"] as? [String: Any])?["calls"] as? Int == 1)
            #expect(json["canaryPercent"] as? Double == 0)
            #expect((json["health"] as? [String: Any])?["status"] as? String == "healthy")
            #expect((json["limits"] as? [String: Any])?["maxMemoryBytes"] as? Int == 32 << 20)
            #expect((json["capabilities"] as? [String: Any])?["clocks"] as? Bool == false)
            #expect((json["pool"] as? [String: Any])?["size"] != nil)

            let sleepy = try await server.get("/v1/plugins/sleepy")
            #expect((sleepy.json["limits"] as? [String: Any])?["timeoutMs"] as? Double == 100)

            let missing = try await server.get("/v1/plugins/nope")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "plugin-not-found")
        }
    }

    @Test func livenessReadinessAndPrometheusMetrics() async throws {
        let plugins = try PluginDirectory()
        try plugins.add("echo")
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path])) { server in
            #expect(try await server.get("/health").status == 200)
            let ready = try await server.get("/ready")
            #expect(ready.status == 200)
            #expect(ready.json["ready"] as? Bool == true)

            for index in 0..<3 { _ = try await server.process("echo", "call \(index)") }
            let metrics = try await server.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers.contains { $0.0.lowercased() == "content-type" && $0.1.hasPrefix("text/plain") })
            let text = metrics.body
            #expect(text.contains(#"plugboard_calls_total{plugin="echo",version="1.0.0",engine="\#(PluginEngine.processDefault.rawValue)",outcome="ok"}"#))
            #expect(text.contains("plugboard_call_duration_seconds_bucket"))
            #expect(text.contains("# TYPE plugboard_calls_total counter"))
            #expect(text.contains("hb_requests"))  // Hummingbird's HTTP metrics
            #expect(text.contains("http_server_request_duration"))

            // A plugin file that fails to load makes the server not ready, and says why.
            try "not a module".write(to: plugins.url.appendingPathComponent("broken.wasm"), atomically: true, encoding: .utf8)
            let notReady = try await eventually { try await server.get("/ready").status == 503 }
            #expect(notReady)
            let reasons = try await server.get("/ready").json["reasons"] as? [String] ?? []
            #expect(reasons.contains { $0.contains("broken") })
        }
    }
}
