/// The typed API of the default world, `plugboard:plugin/plugin-world@1.0.0`.
extension Plugin {
    /// Calls `initialize` with the configuration, which also becomes what `get-config` answers.
    /// - Throws: ``PlugboardError`` with code `pluginReportedError` if the plugin returns `err`.
    public func initialize(config: [(key: String, value: String)]) throws {
        state.configuration = config
        let result = try call("initialize", arguments: [.keyValueList(config.map { ($0.key, $0.value) })])
        try expectOK(result, function: "initialize")
        lifecycle = .initialized
    }

    /// Calls `initialize` with the configuration the plugin was loaded with.
    public func initialize() throws {
        try initialize(config: state.configuration)
    }

    /// Calls `process`.
    public func process(_ request: ProcessRequest) throws -> ProcessResponse {
        let results = try call("process", arguments: [request.witValue])
        return try ProcessResponse(results[0])
    }

    /// Calls `get-metadata`.
    public func metadata() throws -> PluginMetadata {
        try PluginMetadata(try call("get-metadata", arguments: [])[0])
    }

    /// Calls `shutdown`. Later calls to the plugin still work unless it is unloaded.
    public func shutdown() throws {
        defer { lifecycle = .shutDown }
        try expectOK(try call("shutdown", arguments: []), function: "shutdown")
    }

    func expectOK(_ results: [WITValue], function: String) throws {
        if case .err(let message)? = results.first {
            throw PlugboardError.pluginReportedError(function, message: message?.stringValue ?? "(no message)")
                .inContext(plugin: displayName, function: function)
        }
    }
}
