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
    /// The loaded plugin, with its pool of warm instances.
    package let plugin: Plugin
    package let metrics: VersionMetrics

    private init(
        id: UInt64, name: String, version: String, sha256: String, sourcePath: String?, bytes: [UInt8], options: PluginHost.LoadOptions,
        deployedOptions: PluginHost.LoadOptions, settings: RolloutSettings, manifest: PluginManifest?, plugin: Plugin,
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
        self.plugin = plugin
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

    /// Compiles `source` (through `cache`, on a loading thread), checks it links against the host's world, and
    /// starts its pool with one instance, initialized, so the version is ready to serve before anyone routes to it.
    package static func make(
        id: UInt64, from source: Source, host: PluginHost.Configuration, cache: ModuleCache<any CompiledModule>,
        metrics: any MetricsFactory, logger: Logger, events: EventBroadcaster
    ) async throws -> PluginVersion {
        let engine = try host.engine(for: source.options.engine)
        let sourceBytes = source.bytes
        let binary = try await LoadingThreads.run { try PluginBinary(bytes: sourceBytes) }
        let compiled = try await cache.value(for: .init(digest: source.sha256, engine: engine.name), cost: binary.bytes.count) {
            try await LoadingThreads.run { try binary.compile(on: engine) }
        }
        var options = source.options
        if let manager = host.capabilityManager {
            options.capabilities = await manager.capabilities(for: source.name, base: options.capabilities)
        }
        let plugin = try await Plugin.load(
            name: source.name, fallbackName: source.name, compiled: compiled, engine: engine, world: host.world, hostFunctions: host.hostFunctions,
            configuration: source.options.configuration, limits: source.options.limits, capabilities: source.options.capabilities,
            capabilityManager: host.capabilityManager, pool: source.settings.pool, replacesInstancesAfterTraps: true, logger: logger, events: events)
        if host.world.qualifiedName == DefaultWorld.world.qualifiedName {
            do {
                try await plugin.initialize()
            } catch {
                await plugin.drain()
                throw error
            }
        }
        let version = !plugin.version.isEmpty ? plugin.version : source.manifest?.version ?? "sha-" + source.sha256.prefix(8)
        return PluginVersion(
            id: id, name: source.name, version: version, sha256: source.sha256, sourcePath: source.sourcePath, bytes: source.bytes,
            options: options, deployedOptions: source.options, settings: source.settings, manifest: source.manifest, plugin: plugin,
            metrics: VersionMetrics(plugin: source.name, version: version, engine: plugin.engineLabel, factory: metrics))
    }

    /// Replaces the version's instances with fresh ones (busy ones once their call returns).
    package func recycleInstances() async {
        await plugin.recycleInstances()
    }

    /// Waits for the calls in flight to finish, then releases every instance (shutting each down).
    package func drain() async {
        await plugin.drain()
    }

    /// Pool occupancy, for summaries and metrics.
    package var poolStatistics: InstancePoolStatistics { plugin.poolStatistics }

    package var label: String { "\(name)@\(version)" }

    /// What this version was made from, to make it again (a rollback).
    package var source: Source {
        Source(
            name: name, reportedVersion: version, bytes: bytes, sha256: sha256, sourcePath: sourcePath, manifest: manifest,
            options: deployedOptions, settings: settings)
    }
}
