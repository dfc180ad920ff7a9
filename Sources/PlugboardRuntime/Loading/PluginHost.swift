import Dispatch
import Foundation
import Logging
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Loads plugins, keeps them by name, and provides the host functions they import.
///
/// ```swift
/// let host = PluginHost(logger: logger)
/// let plugin = try await host.load(path: "examples/plugins/text-transform-c/plugin.wasm")
/// try await plugin.initialize(config: [("prefix", ">> ")])
/// let response = try await plugin.process(ProcessRequest(input: "hello", options: [("mode", "uppercase")]))
/// ```
public actor PluginHost {
    /// What every plugin of this host is checked against and linked with.
    public struct Configuration: Sendable {
        /// The engine plugins run on unless their load options name another (default: WasmKit, or the engine
        /// `PLUGBOARD_ENGINE` names).
        public var engine: any WasmEngine
        /// The world plugins must implement (default: `plugboard:plugin/plugin-world@1.0.0`).
        public var world: WITWorld
        /// The functions plugins may import (default: the default world's `host-api`).
        public var hostFunctions: [HostFunction]
        /// Runtime grants and revocations applied at every instantiation (see ``CapabilityManager``); `nil`: the
        /// load's capabilities as they are.
        public var capabilityManager: CapabilityManager?
        /// The environment `env = ["NAME"]` manifest entries read their values from (default: the host process's).
        public var environment: [String: String]
        /// How many events, and bytes of events, each subscriber of ``PluginHost/events()`` may have unread before
        /// the oldest are dropped.
        public var eventBuffer: EventBufferLimits

        public init(
            engine: any WasmEngine = PluginEngine.makeProcessDefault(), world: WITWorld = DefaultWorld.world,
            hostFunctions: [HostFunction] = HostFunction.defaultHostAPI, capabilityManager: CapabilityManager? = nil,
            environment: [String: String] = ProcessInfo.processInfo.environment, eventBuffer: EventBufferLimits = EventBufferLimits()
        ) {
            self.eventBuffer = eventBuffer
            self.engine = engine
            self.world = world
            self.hostFunctions = hostFunctions
            self.capabilityManager = capabilityManager
            self.environment = environment
        }
    }

    /// Per-plugin load options.
    public struct LoadOptions: Sendable {
        /// The name to register the plugin under (default: the file name without extension).
        public var name: String?
        /// The configuration `get-config` reads and `initialize()` passes.
        public var configuration: [(key: String, value: String)]

        /// What the plugin may consume.
        public var limits: PluginLimits
        /// What the plugin is granted.
        public var capabilities: PluginCapabilities
        /// How many instances a ``PluginHost`` plugin has and how calls wait for them (default: one instance, so calls
        /// run one at a time, kept for the plugin's life so its state persists between calls; a queue of 512 calls
        /// waiting at most 10 s). A ``PluginRegistry`` takes its versions' pools from ``RolloutSettings/pool`` instead.
        public var pool: InstancePoolConfiguration
        /// The engine the plugin runs on (`nil`: the host's ``Configuration/engine``).
        public var engine: PluginEngine?

        public init(
            name: String? = nil, configuration: [(key: String, value: String)] = [], limits: PluginLimits = PluginLimits(),
            capabilities: PluginCapabilities = PluginCapabilities(), pool: InstancePoolConfiguration = InstancePoolConfiguration(size: 1, maxInvocations: .max),
            engine: PluginEngine? = nil
        ) {
            self.engine = engine
            self.name = name
            self.configuration = configuration
            self.limits = limits
            self.capabilities = capabilities
            self.pool = pool
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    private let broadcaster: EventBroadcaster
    private var loaded: [String: Plugin] = [:]

    /// - Parameter logger: Where `log-message` and guest stderr go; each line carries the plugin's name and version.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "plugboard", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.configuration = configuration
        self.logger = logger
        self.broadcaster = EventBroadcaster(limits: configuration.eventBuffer)
    }

    /// Loads a `.wasm` or `.wat` plugin file (or a directory holding a `plugin.toml`) and registers it under the
    /// options' name, else the name its `get-metadata` reports, else the file name without extension.
    ///
    /// A `plugin.toml` beside the file (see ``PluginManifest``) is picked up. Precedence: `options`, when given,
    /// replace the manifest's name, config, capabilities and limits entirely; the manifest's `sha256` pin and
    /// `world` are checked either way. Without options, the manifest's are used (its `env = ["NAME"]` entries
    /// read ``Configuration/environment``); without either, `LoadOptions()` (the `restricted` policy).
    public func load(path: String, options: LoadOptions? = nil) async throws -> Plugin {
        let manifest: PluginManifest?
        do {
            manifest = try PluginManifest.discover(beside: path)
        } catch {
            throw error.inContext(plugin: options?.name ?? Self.stem(of: path), function: nil)
        }
        if let manifest { return try await load(manifest: manifest, path: path, options: options) }
        let options = options ?? LoadOptions()
        let name = options.name ?? Self.stem(of: path)
        do {
            let binary = try await LoadingThreads.run { try PluginBinary(contentsOf: path) }
            return try await load(binary: binary, name: options.name, fallbackName: name, options: options)
        } catch let error as PlugboardError {
            throw error.inContext(plugin: name, function: nil)
        }
    }

    /// Loads the plugin a manifest describes: its `wasm` file (or `path` when given, e.g. a file the manifest
    /// sits beside), checked against its `sha256` pin and `world`, with `options` if given, else the manifest's.
    public func load(manifest: PluginManifest, path: String? = nil, options: LoadOptions? = nil) async throws -> Plugin {
        var pluginPath = path ?? ""
        var name = options?.name ?? manifest.name ?? Self.stem(of: pluginPath)
        do {
            if let path, !Self.isDirectory(path) { pluginPath = path } else { pluginPath = try manifest.pluginPath() }
            name = options?.name ?? manifest.name ?? Self.stem(of: pluginPath)
            let bytes = try PluginBinary.readFile(pluginPath)
            try manifest.verify(bytes, path: pluginPath)
            try Self.checkWorld(of: manifest, against: configuration.world)
            var resolved = options ?? manifest.loadOptions(environment: configuration.environment)
            if resolved.name == nil { resolved.name = manifest.name }
            let binary = try await LoadingThreads.run { try PluginBinary(bytes: bytes) }
            return try await load(binary: binary, name: resolved.name, fallbackName: name, options: resolved)
        } catch let error as PlugboardError {
            throw error.inContext(plugin: name, function: nil)
        }
    }

    /// The manifest's `world`, if any, must name the host's world with a compatible version.
    package static func checkWorld(of manifest: PluginManifest, against host: WITWorld) throws {
        guard let declared = manifest.world, let reference = WorldReference(declared) else { return }
        let sameName = reference.package.namespace == host.package.namespace && reference.package.name == host.package.name
            && reference.world == host.name
        let compatible: Bool
        switch (reference.package.version, host.package.version) {
        case (nil, _), (_, nil): compatible = true
        case (let plugin?, let hostVersion?): compatible = InterfaceCompatibility.isCompatible(plugin, with: hostVersion)
        }
        guard sameName && compatible else {
            throw PlugboardError.manifestWorldMismatch(manifest.fileName, declared: declared, host: host.qualifiedName)
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Loads a plugin from bytes (binary or WebAssembly text) and registers it under `name`.
    public func load(bytes: [UInt8], name: String, options: LoadOptions = LoadOptions()) async throws -> Plugin {
        do {
            let binary = try await LoadingThreads.run { try PluginBinary(bytes: bytes) }
            return try await load(binary: binary, name: name, fallbackName: name, options: options)
        } catch let error as PlugboardError {
            throw error.inContext(plugin: name, function: nil)
        }
    }

    private func load(binary: PluginBinary, name: String?, fallbackName: String, options: LoadOptions) async throws -> Plugin {
        if let name, loaded[name] != nil { throw PlugboardError.pluginAlreadyLoaded(name) }
        let engine = try configuration.engine(for: options.engine)
        let compiled = try await LoadingThreads.run { try binary.compile(on: engine) }
        let plugin = try await Plugin.load(
            name: name, fallbackName: fallbackName, compiled: compiled, engine: engine, world: configuration.world,
            hostFunctions: configuration.hostFunctions, configuration: options.configuration, limits: options.limits,
            capabilities: options.capabilities, capabilityManager: configuration.capabilityManager, pool: options.pool, logger: logger,
            events: broadcaster)
        guard loaded[plugin.name] == nil else { throw PlugboardError.pluginAlreadyLoaded(plugin.name) }
        loaded[plugin.name] = plugin
        logger.debug("Plugin loaded", metadata: ["plugin.name": .string(plugin.name), "plugin.version": .string(plugin.version)])
        return plugin
    }

    /// The loaded plugin with this name.
    public func plugin(named name: String) throws -> Plugin {
        guard let plugin = loaded[name] else { throw PlugboardError.pluginNotFound(name, loaded: Array(loaded.keys)) }
        return plugin
    }

    /// All loaded plugins, by name.
    public var plugins: [Plugin] { loaded.keys.sorted().compactMap { loaded[$0] } }

    /// Shuts the plugin down (if it was initialized) and releases it. Later calls to it fail with `pluginUnloaded`.
    public func unload(_ name: String) async throws {
        guard let plugin = loaded.removeValue(forKey: name) else { throw PlugboardError.pluginNotFound(name, loaded: Array(loaded.keys)) }
        await plugin.drain()
        logger.debug("Plugin unloaded", metadata: ["plugin.name": .string(name)])
    }

    /// A stream of every event plugins emit from now on.
    public nonisolated func events() -> EventStream<PluginEvent> {
        broadcaster.subscribe()
    }

    package static func stem(of path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }
}
