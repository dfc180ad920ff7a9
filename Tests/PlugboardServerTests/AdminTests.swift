import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Plugboard
import PlugboardServer
import PlugboardTesting
import Testing

/// The admin API: refused without the token or with a wrong one; with it, every operation works over HTTP.
@Suite struct AdminTests {
    static let token = "s3cret-admin-token"

    @Test func adminEndpointsRefuseRequestsWithoutTheTokenOrWithAWrongOne() async throws {
        let plugins = try PluginDirectory()
        try plugins.add("echo")
        let v2 = VersionedGuest.bytes(name: "echo", version: "2.0.0")
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path], adminToken: Self.token)) { server in
            let attempts: [(HTTPMethod, String, String?)] = [
                (.POST, "/v1/admin/plugins/echo/versions", nil), (.POST, "/v1/admin/plugins/echo/split", #"{"percent": 50}"#),
                (.POST, "/v1/admin/plugins/echo/promote", nil), (.POST, "/v1/admin/plugins/echo/rollback", nil),
                (.POST, "/v1/admin/plugins/echo/capabilities", #"{"grant": ["clocks"]}"#), (.POST, "/v1/admin/plugins/echo/reload", nil),
                (.DELETE, "/v1/admin/plugins/echo", nil),
            ]
            for (method, path, json) in attempts {
                let bytes = json == nil ? v2 : nil
                let none = try await server.request(method, path, body: bytes, json: json)
                #expect(none.status == 401, "\(method) \(path) without a token")
                #expect(none.errorCode == "unauthorized")
                let wrong = try await server.request(method, path, body: bytes, json: json, token: "guess")
                #expect(wrong.status == 403, "\(method) \(path) with a wrong token")
                #expect(wrong.errorCode == "forbidden")
                let prefix = try await server.request(method, path, body: bytes, json: json, token: String(Self.token.dropLast()))
                #expect(prefix.status == 403)
            }
            // Nothing changed.
            let summary = try await server.server.registry.summary("echo")
            #expect(summary.stable.version == "1.0.0")
            #expect(summary.canary == nil)
            #expect(try await server.process("echo", "x").json["output"] as? String == "1.0.0:x")
        }
        // A server without a token has no admin API at all.
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path], adminToken: nil)) { server in
            let reply = try await server.request(.POST, "/v1/admin/plugins/echo/promote", token: "anything")
            #expect(reply.status == 403)
            #expect(reply.errorCode == "admin-disabled")
            #expect(reply.errorMessage?.contains("without an admin token") == true)
        }
    }

    @Test func uploadCanarySplitPromoteRollbackGrantReloadAndUnload() async throws {
        let plugins = try PluginDirectory()
        try plugins.add("echo")
        let token = Self.token
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path], adminToken: token)) { server in
            // Upload 2.0.0 as a canary at 50 %: keyed calls split stickily.
            let v2 = VersionedGuest.bytes(name: "echo", version: "2.0.0")
            let deployed = try await server.request(.POST, "/v1/admin/plugins/echo/versions?canary=50", body: v2, token: token)
            #expect(deployed.status == 201)
            #expect((deployed.json["canary"] as? [String: Any])?["version"] as? String == "2.0.0")
            #expect(deployed.json["canaryPercent"] as? Double == 50)
            var versions: Set<String> = []
            for key in 0..<40 {
                let first = try await server.process("echo", "x", key: "user-\(key)").json["version"] as? String
                let again = try await server.process("echo", "x", key: "user-\(key)").json["version"] as? String
                #expect(first == again, "key user-\(key) moved between versions")
                if let first { versions.insert(first) }
            }
            #expect(versions == ["1.0.0", "2.0.0"])

            // All traffic to the canary, then promote it.
            let split = try await server.post("/v1/admin/plugins/echo/split", json: #"{"percent": 100}"#, token: token)
            #expect(split.status == 200)
            #expect(try await server.process("echo", "x", key: "any").json["version"] as? String == "2.0.0")
            let badSplit = try await server.post("/v1/admin/plugins/echo/split", json: #"{"percent": 150}"#, token: token)
            #expect(badSplit.status == 400)
            let promoted = try await server.request(.POST, "/v1/admin/plugins/echo/promote", token: token)
            #expect(promoted.status == 200)
            #expect((promoted.json["stable"] as? [String: Any])?["version"] as? String == "2.0.0")
            #expect(promoted.json["canary"] is NSNull || promoted.json["canary"] == nil)
            #expect(try await server.process("echo", "x").json["output"] as? String == "2.0.0:x")
            let nothingToPromote = try await server.request(.POST, "/v1/admin/plugins/echo/promote", token: token)
            #expect(nothingToPromote.status == 409)
            #expect(nothingToPromote.errorCode == "no-such-version")

            // A canary dropped by rollback; then the stable version rolled back to 1.0.0.
            let v3 = VersionedGuest.bytes(name: "echo", version: "3.0.0")
            #expect(try await server.request(.POST, "/v1/admin/plugins/echo/versions?canary=10", body: v3, token: token).status == 201)
            let dropped = try await server.post("/v1/admin/plugins/echo/rollback", json: #"{"target": "canary"}"#, token: token)
            #expect(dropped.status == 200)
            #expect(dropped.json["canary"] is NSNull || dropped.json["canary"] == nil)
            let back = try await server.post("/v1/admin/plugins/echo/rollback", json: #"{"target": "stable"}"#, token: token)
            #expect(back.status == 200)
            #expect(try await server.process("echo", "x").json["output"] as? String == "1.0.0:x")

            // An invalid upload is refused with 422 and the plugin keeps serving.
            let invalid = try await server.request(.POST, "/v1/admin/plugins/echo/versions", body: Array("garbage".utf8), token: token)
            #expect(invalid.status == 422)
            #expect(invalid.errorCode == "invalid-module")
            #expect(try await server.process("echo", "x").json["output"] as? String == "1.0.0:x")

            // Capabilities: granted, shown, revoked; a misspelt one changes nothing.
            let granted = try await server.post("/v1/admin/plugins/echo/capabilities", json: #"{"grant": ["clocks", "env:MODE=fast"]}"#, token: token)
            #expect(granted.status == 200)
            #expect((granted.json["capabilities"] as? [String: Any])?["clocks"] as? Bool == true)
            #expect((granted.json["capabilities"] as? [String: Any])?["env"] as? [String] == ["MODE"])
            let misspelt = try await server.post("/v1/admin/plugins/echo/capabilities", json: #"{"grant": ["random"], "revoke": ["clockz"]}"#, token: token)
            #expect(misspelt.status == 400)
            #expect((try await server.get("/v1/plugins/echo").json["capabilities"] as? [String: Any])?["random"] as? Bool == false)
            let revoked = try await server.post("/v1/admin/plugins/echo/capabilities", json: #"{"revoke": ["clocks"]}"#, token: token)
            #expect((revoked.json["capabilities"] as? [String: Any])?["clocks"] as? Bool == false)
            #expect(try await server.process("echo", "after grants").status == 200)

            // Reload reads the file again (1.0.0 on disk); a brand-new name is loaded from an upload.
            let reloaded = try await server.request(.POST, "/v1/admin/plugins/echo/reload", token: token)
            #expect(reloaded.status == 200)
            #expect((reloaded.json["stable"] as? [String: Any])?["version"] as? String == "1.0.0")
            let fresh = try await server.request(.POST, "/v1/admin/plugins/newcomer/versions", body: VersionedGuest.bytes(name: "newcomer", version: "0.1.0"), token: token)
            #expect(fresh.status == 201)
            #expect(try await server.process("newcomer", "hi").json["output"] as? String == "0.1.0:hi")

            // Unload: gone from the API.
            let unloaded = try await server.request(.DELETE, "/v1/admin/plugins/newcomer", token: token)
            #expect(unloaded.status == 200)
            #expect(try await server.process("newcomer", "hi").status == 404)
            #expect(try await server.request(.DELETE, "/v1/admin/plugins/newcomer", token: token).status == 404)
        }
    }
}
