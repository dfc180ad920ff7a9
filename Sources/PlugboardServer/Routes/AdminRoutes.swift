import Foundation
import Hummingbird
import Plugboard
import PlugboardHTTPFetch

/// The admin API (under `/v1/admin`, behind ``AdminTokenMiddleware``): deploy, split, promote, roll back,
/// grant and revoke capabilities, reload, unload.
extension APIHandlers {
    /// `POST /v1/admin/plugins/{name}/versions[?canary=N]`, body: the module (`.wasm` bytes or WAT text).
    /// Deploys it as the new stable version, or as the canary at N %; a new name loads a new plugin. 201 with the plugin.
    func deployVersion(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = try pluginName(context)
        let canary = try request.uri.queryParameters.get("canary").map { text -> Double in
            guard let percent = Double(text), (0...100).contains(percent) else {
                throw APIError(status: .badRequest, code: "bad-request", message: "canary=\(text) is not a percentage from 0 to 100.", plugin: name)
            }
            return percent
        }
        let bytes = Array(try await body(of: request).readableBytesView)
        guard !bytes.isEmpty else {
            throw APIError(
                status: .badRequest, code: "bad-request", message: "The request body is empty; it must be the plugin's module.", plugin: name,
                hint: "Send the .wasm file as the body, e.g. curl --data-binary @plugin.wasm.")
        }
        let summary: PluginSummary
        if await registry.names.contains(name) {
            summary = try await registry.deploy(name, bytes: bytes, canaryPercent: canary)
        } else {
            guard canary == nil else {
                throw APIError(
                    status: .conflict, code: PlugboardError.Code.noSuchVersion.rawValue,
                    message: "\(name) has no stable version to run a canary beside.", plugin: name,
                    hint: "Deploy it without ?canary first; later versions can be canaries.")
            }
            summary = try await registry.load(bytes: bytes, name: name)
        }
        return try JSONResponse.make(await describe(summary), status: .created)
    }

    /// `POST /v1/admin/plugins/{name}/split`, body `{"percent": N}`: the canary's share of calls.
    func setSplit(_ request: Request, context: BasicRequestContext) async throws -> Response {
        struct Body: Decodable { var percent: Double }
        let name = try pluginName(context)
        let body = try await decode(Body.self, from: request)
        try await registry.setCanaryPercent(name, body.percent)
        return try JSONResponse.make(await describe(try await registry.summary(name)))
    }

    /// `POST /v1/admin/plugins/{name}/promote`: the canary becomes the stable version.
    func promote(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = try pluginName(context)
        try await registry.promote(name)
        return try JSONResponse.make(await describe(try await registry.summary(name)))
    }

    /// `POST /v1/admin/plugins/{name}/rollback`, optional body `{"target": "canary" | "stable"}`: drops the canary
    /// (default), or puts the previous stable version back.
    func rollback(_ request: Request, context: BasicRequestContext) async throws -> Response {
        struct Body: Decodable { var target: String? }
        let name = try pluginName(context)
        let buffer = try await body(of: request)
        let target = buffer.readableBytes > 0 ? try decode(Body.self, from: buffer).target ?? "canary" : "canary"
        switch target {
        case "canary": try await registry.rollback(name)
        case "stable": _ = try await registry.rollbackStable(name)
        default:
            throw APIError(status: .badRequest, code: "bad-request", message: "Rollback target \"\(target)\" is neither \"canary\" nor \"stable\".", plugin: name)
        }
        return try JSONResponse.make(await describe(try await registry.summary(name)))
    }

    /// `POST /v1/admin/plugins/{name}/capabilities`, body `{"grant": [...], "revoke": [...]}` in
    /// ``Capability`` spelling (`clocks`, `random`, `env:NAME=VALUE`, `network:https://host`, `fs-read:HOST[:GUEST]`, ...).
    /// The plugin's instances are restarted so the change applies from the next call.
    func changeCapabilities(_ request: Request, context: BasicRequestContext) async throws -> Response {
        struct Body: Decodable {
            var grant: [String]?
            var revoke: [String]?
        }
        let name = try pluginName(context)
        let body = try await decode(Body.self, from: request)
        let summary = try await registry.summary(name)
        // Parse everything first, so a bad entry changes nothing.
        let grants = try (body.grant ?? []).map(Capability.init(parsing:))
        let revokes = try (body.revoke ?? []).map(Capability.init(parsing:))
        for capability in grants { await capabilities.grant(capability, to: name) }
        for capability in revokes { await capabilities.revoke(capability, from: name) }
        try await registry.restartInstances(name)
        return try JSONResponse.make(await describe(summary))
    }

    /// `POST /v1/admin/plugins/{name}/reload`: reads the plugin's file again and deploys it as the stable version
    /// (also takes it out of quarantine).
    func reload(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = try pluginName(context)
        let summary = try await registry.reload(name)
        return try JSONResponse.make(await describe(summary))
    }

    /// `DELETE /v1/admin/plugins/{name}`: unloads the plugin once its calls in flight finish.
    func unload(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = try pluginName(context)
        try await registry.unload(name)
        return try JSONResponse.make(["unloaded": name])
    }
}
