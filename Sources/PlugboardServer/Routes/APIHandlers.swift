import Foundation
import Hummingbird
import NIOCore
import Plugboard
import Prometheus
import Synchronization
import PlugboardHTTPFetch

/// What the route handlers share: the registry, the capability manager, health probes and limits.
struct APIHandlers: Sendable {
    let registry: PluginRegistry
    let capabilities: CapabilityManager
    let health: HealthMonitor
    let metrics: PrometheusCollectorRegistry
    let configuration: PlugboardServer.Configuration
    let readiness: Readiness

    /// The request body, refused with 413 before any plugin sees it when it is over the configured limit.
    func body(of request: Request) async throws -> ByteBuffer {
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try decode(type, from: try await body(of: request))
    }

    /// `buffer` decoded as JSON; a malformed body is a 400 naming what is wrong.
    func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.badJSON(error)
        }
    }

    func pluginName(_ context: BasicRequestContext) throws -> String {
        try context.parameters.require("name")
    }

    func describe(_ summary: PluginSummary) async -> PluginDescription {
        let effective = await capabilities.capabilities(for: summary.name, base: summary.capabilities)
        return PluginDescription(summary, capabilities: effective, health: await health.health(of: summary.name))
    }
}

/// Whether the server finished loading its plugin directories (for `/ready`).
final class Readiness: Sendable {
    private let loaded = Mutex(false)
    var isLoaded: Bool { loaded.withLock { $0 } }
    func markLoaded() { loaded.withLock { $0 = true } }
}
