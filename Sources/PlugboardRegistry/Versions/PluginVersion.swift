import Foundation
import Logging
import Metrics
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// One version of a plugin in a ``PluginRegistry``: its module, compiled once, and a pool of warm instances that
/// calls borrow, so a call never pays instantiation and concurrent calls run on up to ``InstancePoolConfiguration/size`` of them.
public final class PluginVersion: Sendable {
    /// The registry-wide identity of this version (two loads of the same bytes are two versions).
    public let id: UInt64
    /// The plugin's name in the registry.
    public let name: String
    /// The version the plugin reports in `get-metadata`, else its manifest's, else `sha-` and 8 hex digits.
    public let version: String
    /// The SHA-256 of the module's bytes, lowercase hex.
    public let sha256: String
    public let loadedAt: Date
    /// The file or directory it was loaded from, if any.
    public let sourcePath: String?
    /// Counters and latencies of this version's calls.
    public let stats = VersionStats()
    package let bytes: [UInt8]
    /// The options in effect (after the registry's ``CapabilityManager``), and those it was deployed with.
    package let options: PluginHost.LoadOptions
    package let deployedOptions: PluginHost.LoadOptions
    package let settings: RolloutSettings
    package let manifest: PluginManifest?
    private let pool: InstancePool<Plugin>
    package let metrics: VersionMetrics

    private init(
        id: UInt64, name: String, version: String, sha256: String, sourcePath: String?, bytes: [UInt8], options: PluginHost.LoadOptions,
        deployedOptions: PluginHost.LoadOptions, settings: RolloutSettings, manifest: PluginManifest?, pool: InstancePool<Plugin>,
        metrics: VersionMetrics
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.loadedAt = Date()
        self.sourcePath = sourcePath
        self.bytes = bytes
        self.options = options
        self.deployedOptions = deployedOptions
        self.settings = settings
        self.manifest = manifest
        self.pool = pool
        self.metrics = metrics
    }

    /// What a version is made from, before it is compiled and instantiated.
    package struct Source: Sendable {
        package var name: String
        /// The version the module reported when it was last made into a ``PluginVersion``.
        package var reportedVersion: String? = nil
        package var bytes: [UInt8]
        package var sha256: String
        package var sourcePath: String?
        package var manifest: PluginManifest?
        package var options: PluginHost.LoadOptions
        package var settings: RolloutSettings
    }

    /// Compiles `source` (through `cache`), checks it links against the host's world, and starts its pool with
    /// one instance, initialized, so the version is ready to serve before anyone routes to it.
    package static func make(
        id: UInt64, from source: Source, host: PluginHost.Configuration, cache: ModuleCache<any CompiledModule>,
        metrics: any MetricsFactory, logger: Logger, events: EventBroadcaster
    ) async throws -> PluginVersion {
        let binary = try PluginBinary(bytes: source.bytes)
        guard binary.kind == .coreModule else { throw PlugboardError.componentGiven() }
        let engine = host.engine
        let compiled = try await cache.value(for: .init(digest: source.sha256, engine: engine.name), cost: binary.bytes.count) {
            try engine.compile(binary.bytes)
        }
        var options = source.options
        if let manager = host.capabilityManager {
            options.capabilities = await manager.capabilities(for: source.name, base: options.capabilities)
        }
        let factory = InstanceFactory(
            name: source.name, compiled: compiled, host: host, options: options, logger: logger, events: events)
        let pool = InstancePool<Plugin>(
            name: source.name, configuration: source.settings.pool, make: { try await factory.make() }, close: { await $0.unload() },
            isPoisoning: { error in (error as? PlugboardError).map { CallOutcome($0).isCrash } ?? false })
        try await pool.prewarm(1)
        let reported = try await pool.withWorker { $0.version }
        let version = !reported.isEmpty ? reported : source.manifest?.version ?? "sha-" + source.sha256.prefix(8)
        return PluginVersion(
            id: id, name: source.name, version: version, sha256: source.sha256, sourcePath: source.sourcePath, bytes: source.bytes,
            options: options, deployedOptions: source.options, settings: source.settings, manifest: source.manifest, pool: pool,
            metrics: VersionMetrics(plugin: source.name, version: version, factory: metrics))
    }

    /// Runs `body` on a warm instance; a crash (trap, timeout or limit) retires that instance.
    package func withInstance<R: Sendable>(_ body: @Sendable (Plugin) async throws -> R) async throws -> R {
        try await pool.withWorker(body)
    }

    /// Waits for the calls in flight to finish, then releases every instance (shutting each down).
    /// Replaces the version's instances with fresh ones (busy ones once their call returns).
    package func recycleInstances() async {
        await pool.recycle()
    }

    package func drain() async {
        await pool.drain()
    }

    /// Pool occupancy, for summaries and metrics.
    package var poolStatistics: InstancePool<Plugin>.Statistics { get async { await pool.statistics } }

    package var label: String { "\(name)@\(version)" }

    /// What this version was made from, to make it again (a rollback).
    package var source: Source {
        Source(
            name: name, reportedVersion: version, bytes: bytes, sha256: sha256, sourcePath: sourcePath, manifest: manifest,
            options: deployedOptions, settings: settings)
    }
}

/// Makes the instances of one version: each is a ``Plugin`` actor of its own, initialized with the version's
/// configuration when its world is the default one.
package struct InstanceFactory: Sendable {
    package let name: String
    package let compiled: any CompiledModule
    package let host: PluginHost.Configuration
    package let options: PluginHost.LoadOptions
    package let logger: Logger
    package let events: EventBroadcaster

    package func make() async throws -> Plugin {
        let (name, compiled, host, options, logger, events) = (name, compiled, host, options, logger, events)
        let plugin = try await BlockingWork.run {
            try Plugin(
                name: name, fallbackName: name, compiled: compiled, engine: host.engine, world: host.world, hostFunctions: host.hostFunctions,
                configuration: options.configuration, limits: options.limits, capabilities: options.capabilities, logger: logger,
                events: events)
        }
        if host.world.qualifiedName == DefaultWorld.world.qualifiedName {
            try await plugin.initialize()
        }
        return plugin
    }
}
