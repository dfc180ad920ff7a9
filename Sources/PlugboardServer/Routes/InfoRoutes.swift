import Foundation
import Hummingbird
import Plugboard
import Prometheus
import PlugboardHTTPFetch

extension APIHandlers {
    /// `GET /v1/plugins`: every plugin (versions, split, state, health, limits, capabilities) and the files that
    /// failed to load.
    func listPlugins(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var plugins: [PluginDescription] = []
        for summary in await registry.summaries() {
            plugins.append(await describe(summary))
        }
        let failed = await registry.failedPlugins.map(FailedPluginDescription.init)
        return try JSONResponse.make(PluginList(plugins: plugins, failed: failed))
    }

    /// `GET /v1/plugins/{name}`: one plugin, with its latest health probe (probes run in the background, never
    /// because someone asked: an unauthenticated request must not make plugins run).
    func showPlugin(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = try pluginName(context)
        let summary = try await registry.summary(name)
        return try JSONResponse.make(await describe(summary))
    }

    /// `GET /health`: the process is up and serving HTTP.
    func liveness(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try JSONResponse.make(["status": "ok"])
    }

    /// `GET /ready`: 200 once the plugin directories are loaded, no plugin file failed to load and every plugin's
    /// latest probe answered; else 503 with what is not ready. Reads the probes the server runs in the background
    /// (every `healthInterval`, and after each deploy): a request never makes plugins run.
    func readiness(_ request: Request, context: BasicRequestContext) async throws -> Response {
        struct Body: Encodable {
            var ready: Bool
            var reasons: [String]
            var plugins: [String: String]
        }
        var reasons: [String] = []
        if !self.readiness.isLoaded { reasons.append("the plugin directories are still loading") }
        for failed in await registry.failedPlugins {
            reasons.append("\(failed.name) (\(failed.path)) failed to load: \(failed.error.description)")
        }
        var plugins: [String: String] = [:]
        for name in await registry.names {
            guard let result = await health.health(of: name) else {
                reasons.append("\(name) has not been probed yet")
                plugins[name] = "unknown"
                continue
            }
            plugins[name] = result.status.rawValue
            if result.status != .healthy {
                reasons.append("\(result.plugin) is \(result.status.rawValue): \(result.lastError ?? "no detail")")
            }
        }
        return try JSONResponse.make(Body(ready: reasons.isEmpty, reasons: reasons, plugins: plugins), status: reasons.isEmpty ? .ok : .serviceUnavailable)
    }

    /// `GET /metrics`: Prometheus text of the plugin metrics (calls by plugin, version and outcome, latency,
    /// fuel, memory, reloads, rollbacks, quarantines) and the HTTP metrics.
    func prometheusMetrics(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        metrics.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
