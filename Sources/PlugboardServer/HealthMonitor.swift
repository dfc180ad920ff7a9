import Foundation
import Plugboard
import PlugboardHTTPFetch

/// Keeps each plugin's latest health probe, so listings and the dashboard show health without probing on
/// every request; ``refresh(_:)`` probes every plugin, and the server does that periodically and after each load,
/// deploy, promote or rollback. `/ready` reads what it keeps.
actor HealthMonitor {
    private var latest: [String: PluginHealth] = [:]

    func health(of name: String) -> PluginHealth? { latest[name] }

    /// Probes plugin `name` now and keeps the result.
    func check(_ name: String, in registry: PluginRegistry) async throws -> PluginHealth {
        let health = try await registry.health(name)
        latest[name] = health
        return health
    }

    /// Probes every loaded plugin concurrently; forgets plugins that are gone.
    @discardableResult
    func refresh(_ registry: PluginRegistry) async -> [PluginHealth] {
        let names = await registry.names
        let results = await withTaskGroup(of: PluginHealth?.self) { group in
            for name in names {
                group.addTask { try? await registry.health(name) }
            }
            var results: [PluginHealth] = []
            for await health in group {
                if let health { results.append(health) }
            }
            return results
        }
        latest = Dictionary(results.map { ($0.plugin, $0) }, uniquingKeysWith: { first, _ in first })
        return results.sorted { $0.plugin < $1.plugin }
    }
}
