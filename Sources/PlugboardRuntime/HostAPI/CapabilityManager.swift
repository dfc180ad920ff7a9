import Logging
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Grants and revokes capabilities per plugin at runtime, on top of what each load asks for.
///
/// The manager keeps, per plugin name, the changes made to it (in order); when the host instantiates a plugin
/// (``PluginHost/load(path:options:)`` and friends, with ``PluginHost/Configuration/capabilityManager`` set) it
/// starts from the load's capabilities (explicit options, else the manifest, else `restricted`) and applies
/// the changes recorded for that name. A change never touches a running instance: it takes effect at the next
/// instantiation (unload and load again). The name used is the one known before instantiation: the load
/// options' `name`, else the manifest's `name`, else the file name without extension.
///
/// Every change is logged at `notice` with `plugin.name`, `capability` and `change` (`granted`/`revoked`).
public actor CapabilityManager {
    private var changes: [String: [(capability: Capability, granted: Bool)]] = [:]
    private let logger: Logger

    public init(logger: Logger = Logger(label: "plugboard.capabilities", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.logger = logger
    }

    /// Grants `capability` to the plugin named `plugin` from its next instantiation on.
    public func grant(_ capability: Capability, to plugin: String) {
        record(capability, granted: true, plugin: plugin)
    }

    /// Revokes `capability` from the plugin named `plugin` from its next instantiation on (an `env` capability is
    /// revoked by name, whatever its value).
    public func revoke(_ capability: Capability, from plugin: String) {
        record(capability, granted: false, plugin: plugin)
    }

    /// Grants a capability given as text (`clocks`, `random`, `env:NAME=VALUE`), e.g. from the CLI or HTTP;
    /// an unknown one is an `invalidArgument` error listing the known ones.
    public func grant(_ capability: String, to plugin: String) throws {
        grant(try Capability(parsing: capability), to: plugin)
    }

    /// Revokes a capability given as text (`clocks`, `random`, `env:NAME`).
    public func revoke(_ capability: String, from plugin: String) throws {
        revoke(try Capability(parsing: capability), from: plugin)
    }

    /// Forgets every change made to the plugin (its loads get what they ask for again).
    public func reset(_ plugin: String) {
        changes[plugin] = nil
        logger.notice("Capabilities reset", metadata: ["plugin.name": .string(plugin)])
    }

    /// What an instantiation of `plugin` gets: `base` with the recorded changes applied in order.
    public func capabilities(for plugin: String, base: PluginCapabilities) -> PluginCapabilities {
        var result = base
        for change in changes[plugin] ?? [] { result.apply(change.capability, granted: change.granted) }
        return result
    }

    private func record(_ capability: Capability, granted: Bool, plugin: String) {
        changes[plugin, default: []].append((capability, granted))
        logger.notice(
            "Capability \(granted ? "granted" : "revoked")",
            metadata: [
                "plugin.name": .string(plugin), "capability": .string(capability.description),
                "change": .string(granted ? "granted" : "revoked"),
            ])
    }
}
