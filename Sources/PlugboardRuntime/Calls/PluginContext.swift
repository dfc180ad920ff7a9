import Logging
import PlugboardABI
import PlugboardManifest
import Synchronization

/// What every instance of one plugin shares: its name and version, its configuration, its logger and events, and
/// what its host functions may do. Read by host functions on whichever thread runs a call.
package final class PluginContext: Sendable {
    private struct Identity {
        var name: String
        var version = ""
    }

    private struct Configuration {
        var pairs: [(key: String, value: String)]
        var map: [String: String]
        /// Bumped at every change, so instances notice a new configuration without taking the lock per host call.
        var generation: UInt64
        /// Whether instances must run `initialize` with this configuration before their first call.
        var initializes = false
    }

    private let identity: Mutex<Identity>
    private let configuration: Mutex<Configuration>
    private let generationValue = Atomic<UInt64>(1)
    let baseLogger: Logger
    let events: EventBroadcaster
    let limits: PluginLimits
    /// What the plugin is granted before a capability manager's changes.
    let capabilities: PluginCapabilities
    /// Applies runtime grants and revocations at every instantiation, if the host has a manager.
    let capabilityManager: CapabilityManager?

    init(
        name: String, configuration: [(key: String, value: String)], limits: PluginLimits, capabilities: PluginCapabilities,
        capabilityManager: CapabilityManager? = nil, logger: Logger, events: EventBroadcaster
    ) {
        self.capabilityManager = capabilityManager
        self.identity = Mutex(Identity(name: name))
        self.configuration = Mutex(Configuration(pairs: configuration, map: Self.map(configuration), generation: 1))
        self.limits = limits
        self.capabilities = capabilities
        self.baseLogger = logger
        self.events = events
    }

    var name: String { identity.withLock { $0.name } }
    var version: String { identity.withLock { $0.version } }
    /// `name@version`, or `name` when the version is unknown: how errors name the plugin.
    var displayName: String { identity.withLock { $0.version.isEmpty ? $0.name : "\($0.name)@\($0.version)" } }

    func setIdentity(name: String, version: String) {
        identity.withLock { $0 = Identity(name: name, version: version) }
        generationValue.add(1, ordering: .releasing)
    }

    var configurationPairs: [(key: String, value: String)] { configuration.withLock { $0.pairs } }
    /// Whether instances run `initialize` before their first call, and with which configuration generation.
    var initialization: (initializes: Bool, generation: UInt64) { configuration.withLock { ($0.initializes, $0.generation) } }

    /// A new configuration; instances pick it up at their next host call, and re-run `initialize` with it when
    /// `initializes` says so.
    func setConfiguration(_ pairs: [(key: String, value: String)], initializes: Bool) {
        configuration.withLock {
            $0.pairs = pairs
            $0.map = Self.map(pairs)
            $0.generation += 1
            $0.initializes = initializes
        }
        generationValue.add(1, ordering: .releasing)
    }

    /// Stops instances from running `initialize` (after `shutdown`, or when `initialize` failed).
    func stopInitializing() {
        configuration.withLock { $0.initializes = false }
    }

    /// What a new instance is granted now: the plugin's capabilities with the manager's changes for its name.
    func effectiveCapabilities() async -> PluginCapabilities {
        guard let capabilityManager else { return capabilities }
        return await capabilityManager.capabilities(for: name, base: capabilities)
    }

    /// A cheap token that changes whenever anything a host call context holds changes.
    var generation: UInt64 { generationValue.load(ordering: .acquiring) }

    var logger: Logger {
        var logger = baseLogger
        let (name, version) = identity.withLock { ($0.name, $0.version) }
        logger[metadataKey: "plugin.name"] = .string(name)
        logger[metadataKey: "plugin.version"] = .string(version)
        return logger
    }

    /// What host functions see about this plugin; `deadline` is filled in per call.
    func makeHostCallContext(networkAllowlist: [NetworkPattern]) -> HostCallContext {
        let events = self.events
        let (name, version) = identity.withLock { ($0.name, $0.version) }
        let maxMessageBytes = limits.maxMessageBytes
        return HostCallContext(
            pluginName: name, pluginVersion: version, configuration: configuration.withLock { $0.map }, logger: logger,
            emit: { type, payload in
                // Type and payload together within the message limit: the type first (cut if it alone is over), the payload after.
                let cutType = HostCallContext.cut(type, to: maxMessageBytes)
                let cutPayload = HostCallContext.cut(payload, to: max(0, maxMessageBytes - cutType.utf8.count))
                events.publish(PluginEvent(plugin: name, version: version, type: cutType, payload: cutPayload))
            },
            maxLogBytes: maxMessageBytes, networkAllowlist: networkAllowlist, maxOutputBytes: limits.maxOutputBytes)
    }

    /// Captured stdout/stderr for one instance, logged line by line with the plugin's name.
    func makeGuestOutput() -> GuestOutput {
        let maxLineBytes = limits.maxMessageBytes
        let outputLogger = baseLogger
        return GuestOutput(maximumLineLength: maxLineBytes) { [self] line, isStandardError in
            let line = HostCallContext.cut(line, to: maxLineBytes)
            var logger = outputLogger
            logger[metadataKey: "plugin.name"] = .string(name)
            // stderr is the plugin's diagnostics channel; stdout may carry data, so it stays at debug.
            logger.log(level: isStandardError ? .info : .debug, "\(line)", metadata: ["plugin.stream": .string(isStandardError ? "stderr" : "stdout")])
        }
    }

    private static func map(_ pairs: [(key: String, value: String)]) -> [String: String] {
        var map: [String: String] = [:]
        for (key, value) in pairs { map[key] = value }
        return map
    }
}
