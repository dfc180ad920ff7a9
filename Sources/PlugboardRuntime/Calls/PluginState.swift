import Logging
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// The per-plugin state host functions read: configuration, identity, logger, events and captured output.
/// Confined to the plugin's actor (host functions run inside its calls).
package final class PluginState {
    package let identity: PluginIdentity
    package var name: String { identity.name }
    package var version: String { identity.version }
    package var configuration: [(key: String, value: String)] {
        didSet {
            configurationMap = Self.map(configuration)
            cachedContext = nil
        }
    }
    /// Built once per configuration: host functions run on every guest call, so this stays off that path.
    private var cachedContext: HostCallContext?
    private(set) var configurationMap: [String: String]
    package let baseLogger: Logger
    package let events: EventBroadcaster
    package let output: GuestOutput
    /// The most bytes of one log line, captured output line or event (``PluginLimits/maxMessageBytes``).
    package let maxMessageBytes: Int
    /// The default cap of a fetched body (``PluginLimits/maxOutputBytes``).
    package let maxOutputBytes: Int
    /// What `outgoing-http` may reach (``PluginCapabilities/network``).
    package let networkAllowlist: [NetworkPattern]

    /// - Parameter limits: Longer log lines, stdout/stderr lines and events are cut to ``PluginLimits/maxMessageBytes``.
    package init(
        name: String, configuration: [(key: String, value: String)], logger: Logger, events: EventBroadcaster,
        limits: PluginLimits = PluginLimits(), networkAllowlist: [NetworkPattern] = []
    ) {
        self.networkAllowlist = networkAllowlist
        let identity = PluginIdentity(name: name)
        self.identity = identity
        self.configuration = configuration
        self.configurationMap = Self.map(configuration)
        self.baseLogger = logger
        self.events = events
        let outputLogger = logger
        let maxLineBytes = limits.maxMessageBytes
        self.maxMessageBytes = maxLineBytes
        self.maxOutputBytes = limits.maxOutputBytes
        self.output = GuestOutput(maximumLineLength: maxLineBytes) { line, isStandardError in
            let line = HostCallContext.cut(line, to: maxLineBytes)
            var logger = outputLogger
            logger[metadataKey: "plugin.name"] = .string(identity.name)
            // stderr is the plugin's diagnostics channel; stdout may carry data, so it stays at debug.
            logger.log(level: isStandardError ? .info : .debug, "\(line)", metadata: ["plugin.stream": .string(isStandardError ? "stderr" : "stdout")])
        }
    }

    package var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "plugin.name"] = .string(name)
        logger[metadataKey: "plugin.version"] = .string(version)
        return logger
    }

    package func callContext() -> HostCallContext {
        if let cachedContext, cachedContext.pluginName == name, cachedContext.pluginVersion == version { return cachedContext }
        let context = makeCallContext()
        cachedContext = context
        return context
    }

    private func makeCallContext() -> HostCallContext {
        let events = self.events
        let name = self.name
        let version = self.version
        let maxMessageBytes = self.maxMessageBytes
        return HostCallContext(
            pluginName: name, pluginVersion: version, configuration: configurationMap, logger: logger,
            emit: { type, payload in
                // Type and payload together within the message limit: the type first (cut if it alone is over), the payload after.
                let cutType = HostCallContext.cut(type, to: maxMessageBytes)
                let cutPayload = HostCallContext.cut(payload, to: max(0, maxMessageBytes - cutType.utf8.count))
                events.publish(PluginEvent(plugin: name, version: version, type: cutType, payload: cutPayload))
            },
            maxLogBytes: maxMessageBytes, networkAllowlist: networkAllowlist, maxOutputBytes: maxOutputBytes)
    }

    private static func map(_ pairs: [(key: String, value: String)]) -> [String: String] {
        var map: [String: String] = [:]
        for (key, value) in pairs { map[key] = value }
        return map
    }
}

/// A plugin's name and version, readable from any thread (guest output is logged with them).
package final class PluginIdentity: Sendable {
    private let value: Mutex<(name: String, version: String)>

    package init(name: String) { value = Mutex((name, "")) }

    package var name: String { value.withLock { $0.name } }
    package var version: String { value.withLock { $0.version } }

    package func set(name: String, version: String) { value.withLock { $0 = (name, version) } }
}
