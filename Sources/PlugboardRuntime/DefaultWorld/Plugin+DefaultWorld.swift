import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit
/// The typed API of the default world, `plugboard:plugin/plugin-world@1.0.0`, on its generated bindings
/// (``PluginWorldExports``).
extension Plugin {
    /// Calls `initialize` with the configuration, which also becomes what `get-config` answers.
    /// - Throws: ``PlugboardError`` with code `pluginReportedError` if the plugin returns `err`.
    public func initialize(config: [(key: String, value: String)]) async throws {
        // Under the lease: a call in flight keeps reading the configuration it started with.
        try await withLease {
            state.configuration = config
            let result = try await PluginWorldExports.initialize(config.map { ($0.key, $0.value) }, on: self)
            try expectOK(result, function: "initialize")
            lifecycle = .initialized
        }
    }

    /// Calls `initialize` with the configuration the plugin was loaded with.
    public func initialize() async throws {
        try await initialize(config: state.configuration)
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
        try await withLease {
            defer { lifecycle = .shutDown }
            try expectOK(try await PluginWorldExports.shutdown(on: self), function: "shutdown")
        }
    }

    package func expectOK(_ result: WITResult<Void, String>, function: String) throws {
        if case .err(let message) = result {
            throw PlugboardError.pluginReportedError(function, message: message)
                .inContext(plugin: displayName, function: function)
        }
    }
}
