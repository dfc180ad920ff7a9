import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// How a plugin is doing, from a probe call and its recent calls.
public struct PluginHealth: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// The probe answered.
        case healthy
        /// The probe failed; the plugin still takes calls.
        case degraded
        /// The plugin crashed too often and takes no calls.
        case quarantined
    }

    public var plugin: String
    public var status: Status
    /// The stable version the probe ran on.
    public var version: String
    /// Why the probe failed, or the quarantine reason.
    public var lastError: String?
    public var checkedAt: Date
}

extension PluginRegistry {
    /// The input of the probe `process` call a default-world plugin gets when its world has no health check.
    public static let healthProbeInput = "health-check-ping"

    /// Probes plugin `name`'s stable version: its world's `health-check` export if it has one (returning nothing,
    /// a `bool`, or a `result`), else `process("health-check-ping")` for default-world plugins, else that an instance is live.
    /// A quarantined plugin is not probed.
    public func health(_ name: String) async throws -> PluginHealth {
        guard let entry = entries[name] else { throw notFound(name) }
        let version = entry.stable
        if let reason = entry.quarantine {
            return PluginHealth(plugin: name, status: .quarantined, version: version.version, lastError: reason, checkedAt: Date())
        }
        let world = configuration.host.world
        let hasHealthCheck = world.exports.flatMap(\.functions).contains { $0.name == "health-check" }
        let isDefaultWorld = world.qualifiedName == DefaultWorld.world.qualifiedName
        do {
            let plugin = version.plugin
            let problem: String? = try await {
                if hasHealthCheck {
                    let results = try await plugin.call("health-check", arguments: [])
                    switch results.first {
                    case .bool(false)?: return "health-check returned false"
                    case .err(let payload)?: return "health-check returned an error: \(payload.map { "\($0)" } ?? "")"
                    default: return nil
                    }
                } else if isDefaultWorld {
                    let response = try await plugin.process(ProcessRequest(input: Self.healthProbeInput))
                    return response.success ? nil : "process(\"\(Self.healthProbeInput)\") answered success: false: \(response.errorMessage ?? "")"
                } else {
                    return nil  // a live instance is all a world without a health check can show
                }
            }()
            return PluginHealth(plugin: name, status: problem == nil ? .healthy : .degraded, version: version.version, lastError: problem, checkedAt: Date())
        } catch {
            return PluginHealth(plugin: name, status: .degraded, version: version.version, lastError: "\(error)", checkedAt: Date())
        }
    }
}
