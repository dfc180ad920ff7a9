import PlugboardABI

/// The typed API of the default world, `plugboard:plugin/plugin-world@1.0.0`, on its generated bindings
/// (``PluginWorldExports``).
extension Plugin {
    /// Calls `initialize` with the configuration, which also becomes what `get-config` answers. Every instance of
    /// the plugin runs `initialize` with it before its next call (a fresh instance too, after a limit replaced one).
    /// - Throws: ``PlugboardError`` with code `pluginReportedError` if the plugin returns `err`.
    public func initialize(config: [(key: String, value: String)]) async throws {
        try await setInitialization(config)
    }

    /// Calls `initialize` with the configuration the plugin was loaded with.
    public func initialize() async throws {
        try await initialize(config: configuration)
    }

    /// Calls `process`.
    public func process(_ request: ProcessRequest) async throws -> ProcessResponse {
        try await PluginWorldExports.process(request, on: self)
    }

    /// Calls `get-metadata`.
    public func metadata() async throws -> PluginMetadata {
        try await PluginWorldExports.getMetadata(on: self)
    }

    /// Calls `shutdown`. Later calls to the plugin still work unless it is unloaded.
    public func shutdown() async throws {
        let results = try await runShutdown()
        if case .err(let message)? = results.first {
            throw PlugboardError.pluginReportedError("shutdown", message: message?.stringValue ?? "")
                .inContext(plugin: displayName, function: "shutdown")
        }
    }
}
