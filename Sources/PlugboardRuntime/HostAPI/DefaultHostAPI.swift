import Logging
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

extension HostFunction {
    /// The default world's `host-api`: `log-message` to swift-log, `get-config` from the plugin's
    /// configuration map, `emit-event` to the host's event subscribers.
    public static var defaultHostAPI: [HostFunction] {
        DefaultHostAPI().hostFunctions()
    }
}

/// The library's implementation of the default world's imports, on the generated ``PluginWorldSyncImports``
/// (synchronous: none of these awaits, so no call pays for a task).
package struct DefaultHostAPI: PluginWorldSyncImports {
    package init() {}

    package func logMessage(context: HostCallContext, level: String, message: String) -> WITResult<Void, String> {
        guard let logLevel = Logger.Level(pluginLevel: level) else {
            return .err("unknown log level '\(level)'; use trace, debug, info, warn or error")
        }
        if context.logs(logLevel) {
            context.logger.log(level: logLevel, "\(context.cutForLog(message))")
        }
        return .ok
    }

    package func getConfig(context: HostCallContext, key: String) -> String? {
        context.configuration[key]
    }

    package func emitEvent(context: HostCallContext, eventType: String, payload: String) -> WITResult<Void, String> {
        context.emit(eventType, payload)
        return .ok
    }
}

extension Logger.Level {
    /// Maps a plugin's level name (`trace`, `debug`, `info`, `warn`/`warning`, `error`) to swift-log's.
    package init?(pluginLevel: String) {
        if let level = Self(lowercasedPluginLevel: pluginLevel) {
            self = level  // the usual spelling, without making a lowercased copy
        } else if let level = Self(lowercasedPluginLevel: pluginLevel.lowercased()) {
            self = level
        } else {
            return nil
        }
    }

    private init?(lowercasedPluginLevel: String) {
        switch lowercasedPluginLevel {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warn", "warning": self = .warning
        case "error": self = .error
        case "critical": self = .critical
        default: return nil
        }
    }
}
