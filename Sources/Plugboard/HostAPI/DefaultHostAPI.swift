import Logging

extension HostFunction {
    /// The default world's `host-api`: `log-message` to swift-log, `get-config` from the plugin's
    /// configuration map, `emit-event` to the host's event subscribers.
    public static var defaultHostAPI: [HostFunction] {
        let interface = DefaultWorld.hostAPI
        // The default world is compiled in, so these lookups cannot fail.
        return [
            try! HostFunction(interface: interface, function: "log-message") { context, arguments in
                guard let level = arguments[0].stringValue, let message = arguments[1].stringValue else { return [.err(.string("bad arguments"))] }
                guard let logLevel = Logger.Level(pluginLevel: level) else {
                    return [.err(.string("unknown log level '\(level)'; use trace, debug, info, warn or error"))]
                }
                context.logger.log(level: logLevel, "\(message)")
                return [.ok(nil)]
            },
            try! HostFunction(interface: interface, function: "get-config") { context, arguments in
                guard let key = arguments[0].stringValue else { return [.option(nil)] }
                return [.option(context.configuration[key].map(WITValue.string))]
            },
            try! HostFunction(interface: interface, function: "emit-event") { context, arguments in
                guard let type = arguments[0].stringValue, let payload = arguments[1].stringValue else { return [.err(.string("bad arguments"))] }
                context.emit(type, payload)
                return [.ok(nil)]
            },
        ]
    }
}

extension Logger.Level {
    /// Maps a plugin's level name (`trace`, `debug`, `info`, `warn`/`warning`, `error`) to swift-log's.
    init?(pluginLevel: String) {
        switch pluginLevel.lowercased() {
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
