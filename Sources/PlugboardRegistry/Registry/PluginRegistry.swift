import Foundation
import Logging
import Metrics
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
import Synchronization

/// Keeps plugins by name, each with a stable version, an optional canary and earlier versions to roll back to;
/// routes calls between them, pools their instances, reloads them when their files change, and rolls a
/// misbehaving canary back on its own.
///
/// ```swift
/// let registry = PluginRegistry(configuration: .init(stateDirectory: "state"), logger: logger)
/// try await registry.loadDirectory("examples/plugins")
/// try await registry.startWatching(["examples/plugins"])
/// let response = try await registry.process("text-transform", ProcessRequest(input: "hi"), key: "user-42")
/// print(response.value.output, "served by", response.version)
/// ```
///
/// Swapping versions never drops a call: a call borrows an instance of the version it was routed to and
/// finishes there; the old version is released once its last call returns.
public actor PluginRegistry {
    /// Settings shared by every plugin of the registry.
    public struct Configuration: Sendable {
        /// The engine, world and host functions plugins are checked against and linked with.
        public var host: PluginHost.Configuration
        /// Where rollout state and deployed modules are kept across restarts (`nil`: in memory only).
        public var stateDirectory: String?
        /// The most compiled-module bytes kept by the module cache (default 256 MiB).
        public var moduleCacheBytes: Int
        /// Lifecycle settings for plugins without a manifest.
        public var defaultSettings: RolloutSettings
        /// Load options for plugins without a manifest (the `restricted` policy by default).
        public var defaultOptions: PluginHost.LoadOptions
        /// How long the watcher waits for a file to stop changing before reloading it.
        public var reloadDebounce: Duration
        /// Where metrics go (`nil`: the process's `MetricsSystem.factory`, e.g. a Prometheus exporter).
        public var metricsFactory: (any MetricsFactory)?

        public init(
            host: PluginHost.Configuration = .init(), stateDirectory: String? = nil, moduleCacheBytes: Int = 256 << 20,
            defaultSettings: RolloutSettings = RolloutSettings(), defaultOptions: PluginHost.LoadOptions = .init(),
            reloadDebounce: Duration = .milliseconds(100), metricsFactory: (any MetricsFactory)? = nil
        ) {
            self.metricsFactory = metricsFactory
            self.host = host
            self.stateDirectory = stateDirectory
            self.moduleCacheBytes = moduleCacheBytes
            self.defaultSettings = defaultSettings
            self.defaultOptions = defaultOptions
            self.reloadDebounce = reloadDebounce
        }
    }

    /// One plugin: its versions and how calls are split between them.
    package struct Entry {
        package var stable: PluginVersion
        package var canary: PluginVersion?
        package var canaryPercent: Double = 0
        /// Earlier stable versions, newest last, to roll back to.
        package var previous: [PluginVersion.Source] = []
        package var quarantine: String?
        /// The file or directory the plugin was loaded from, which the watcher follows.
        package var sourcePath: String?
        package var history: [RolloutEvent] = []
        /// Consecutive crashes, for the reload policy's backoff.
        package var consecutiveCrashes = 0
    }

    public let configuration: Configuration
    package let logger: Logger
    package let broadcaster: EventBroadcaster
    package let rolloutBroadcaster = RolloutEventBroadcaster()
    package let cache: ModuleCache<any CompiledModule>
    package let metrics: RegistryMetrics
    package var entries: [String: Entry] = [:] {
        didSet { publishRoutes() }
    }
    /// What calls need of ``entries`` (versions, canary share, quarantine), readable without entering the actor:
    /// a call routes, runs and records on its own task, and enters the actor only to roll back or quarantine.
    /// Republished whenever ``entries`` changes.
    package nonisolated let routes = Mutex<[String: Route]>([:])

    /// How calls to one plugin are routed (a snapshot of its ``Entry``).
    package struct Route: Sendable {
        package var stable: PluginVersion
        package var canary: PluginVersion?
        package var canaryPercent: Double
        package var quarantine: String?
    }
    private var nextVersionID: UInt64 = 1
    package var persistence: RegistryPersistence
    /// Versions swapped out that are finishing their calls in flight, by ``PluginVersion/id``.
    package var draining: [UInt64: PluginVersion] = [:]
    /// Plugins found in a directory (or by the watcher) that failed to load, by name.
    package var failed: [String: FailedPlugin] = [:]
    package var watcher: PluginDirectoryMonitor?
    package var watchTask: Task<Void, Never>?
    /// How many rollout events each plugin's history keeps.
    package static let historyLimit = 100

    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "plugboard", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.configuration = configuration
        self.logger = logger
        self.broadcaster = EventBroadcaster(limits: configuration.host.eventBuffer)
        self.cache = ModuleCache(costLimit: configuration.moduleCacheBytes)
        self.persistence = RegistryPersistence(directory: configuration.stateDirectory)
        self.metrics = RegistryMetrics(factory: configuration.metricsFactory ?? MetricsSystem.factory)
    }

    // MARK: loading

    /// Loads a `.wasm`/`.wat` file, or a directory holding a `plugin.toml`, as a new plugin's stable version.
    /// The name is the manifest's `name`, else the file name without extension.
    /// - Parameter name: The name to register under, instead of the manifest's or the file's.
    @discardableResult
    public func load(path: String, name: String? = nil) async throws -> PluginSummary {
        let source = try source(at: path, name: name)
        if entries[source.name] != nil { throw PlugboardError.pluginAlreadyLoaded(source.name) }
        let version = try await makeVersion(source)
        if let existing = entries[source.name] {  // loaded meanwhile: keep the first
            await version.drain()
            throw PlugboardError.pluginAlreadyLoaded(existing.stable.name)
        }
        entries[source.name] = Entry(stable: version, sourcePath: path)
        failed[source.name] = nil
        record(RolloutEvent(plugin: source.name, kind: .loaded, version: version.version, detail: path))
        saveFirstVersion(version)
        return try summary(source.name)
    }

    /// Loads a plugin from bytes as a new plugin's stable version.
    @discardableResult
    public func load(
        bytes: [UInt8], name: String, options: PluginHost.LoadOptions? = nil, settings: RolloutSettings? = nil
    ) async throws -> PluginSummary {
        if entries[name] != nil { throw PlugboardError.pluginAlreadyLoaded(name) }
        let source = PluginVersion.Source(
            name: name, bytes: bytes, sha256: Self.sha256(bytes), sourcePath: nil, manifest: nil,
            options: options ?? configuration.defaultOptions, settings: settings ?? configuration.defaultSettings)
        let version = try await makeVersion(source)
        if entries[name] != nil {
            await version.drain()
            throw PlugboardError.pluginAlreadyLoaded(name)
        }
        entries[name] = Entry(stable: version)
        record(RolloutEvent(plugin: name, kind: .loaded, version: version.version))
        saveFirstVersion(version)
        return try summary(name)
    }

    /// Loads every plugin in `directory`: each `.wasm`/`.wat` file, each subdirectory with a `plugin.toml`, and
    /// each subdirectory with a `plugin.wasm` or `plugin.wat` (named after the subdirectory). A plugin that fails
    /// to load is logged and reported; the others load anyway.
    /// - Returns: The paths that failed, with their errors.
    @discardableResult
    ///
    /// The plugins load concurrently (at most `LoadingThreads.maxConcurrentLoads` at a time), each under its own
    /// deadline: a file that loads slowly, or loops in its start function until its deadline stops it, delays the
    /// others by no more than that.
    public func loadDirectory(_ directory: String) async -> [String: PlugboardError] {
        await withTaskGroup(of: (String, PlugboardError?).self) { group in
            for (path, name) in Self.pluginPaths(in: directory) {
                group.addTask {
                    do {
                        try await self.load(path: path, name: name)
                        return (path, nil)
                    } catch let error as PlugboardError {
                        await self.recordFailure(path: path, name: name, error)
                        return (path, error)
                    } catch {
                        await self.recordFailure(path: path, name: name, .invalidArgument("\(error)"))
                        return (path, .invalidArgument("\(error)"))
                    }
                }
            }
            var failures: [String: PlugboardError] = [:]
            for await (path, error) in group {
                if let error { failures[path] = error }
            }
            return failures
        }
    }

    /// Keeps a plugin that failed to load in ``failedPlugins`` (until it loads or its file goes away) and logs why.
    package func recordFailure(path: String, name: String?, _ error: PlugboardError) {
        guard error.code != .pluginAlreadyLoaded else { return }
        // An error names the plugin `name@version` once its version is known; the listing is by name.
        let pluginName = name ?? error.plugin.map { String($0.split(separator: "@", maxSplits: 1).first ?? Substring($0)) } ?? PluginHost.stem(of: path)
        failed[pluginName] = FailedPlugin(name: pluginName, path: path, error: error, failedAt: Date())
        logger.error("Plugin not loaded", metadata: ["plugin.name": .string(pluginName), "plugin.path": .string(path), "error.message": .string(error.description)])
    }

    /// The plugins directly in `directory`, sorted: paths to load, with the name a subdirectory gives its file.
    package nonisolated static func pluginPaths(in directory: String) -> [(path: String, name: String?)] {
        let files = FileManager.default
        let names = (try? files.contentsOfDirectory(atPath: directory)) ?? []
        var paths: [(String, String?)] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                if files.fileExists(atPath: path + "/plugin.toml") {
                    paths.append((path, nil))
                } else if let file = ["plugin.wasm", "plugin.wat"].first(where: { files.fileExists(atPath: path + "/" + $0) }) {
                    paths.append((path + "/" + file, name))
                }
            } else if name.hasSuffix(".wasm") || name.hasSuffix(".wat") {
                paths.append((path, nil))
            }
        }
        return paths
    }

    /// Unloads a plugin: new calls fail with `pluginNotFound` at once, calls in flight finish, then its instances are
    /// shut down. Its saved rollout is forgotten.
    public func unload(_ name: String) async throws {
        guard let entry = entries.removeValue(forKey: name) else { throw notFound(name) }
        record(RolloutEvent(plugin: name, kind: .unloaded, version: entry.stable.version), history: false)
        persist { $0.removePlugin(name) }
        retire([entry.stable] + (entry.canary.map { [$0] } ?? []))
    }

    /// Stops the watcher and releases every plugin once its calls in flight finish; the saved rollout state stays
    /// for the next start.
    public func shutdown() async {
        stopWatching()
        let versions = entries.values.flatMap { [$0.stable] + ($0.canary.map { [$0] } ?? []) } + Array(draining.values)
        entries.removeAll()
        draining.removeAll()
        for version in versions { await version.drain() }
    }

    /// A new plugin's first version, saved unless the state already has the plugin (restored later).
    private func saveFirstVersion(_ version: PluginVersion) {
        guard persistence.store != nil else { return }
        let record = record(of: version)
        persist { state in
            if state[version.name] == nil { state.deployStable(record, for: version.name, keep: version.settings.keepVersions) }
        }
    }

    // MARK: reading

    /// The names of the loaded plugins, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Everything known about one plugin.
    public func summary(_ name: String) throws -> PluginSummary {
        guard let entry = entries[name] else { throw notFound(name) }
        func describe(_ version: PluginVersion) -> PluginSummary.Version {
            .init(version: version.version, sha256: version.sha256, engine: version.plugin.engineLabel, loadedAt: version.loadedAt, sourcePath: version.sourcePath, stats: version.stats.snapshot)
        }
        return PluginSummary(
            name: name, state: entry.quarantine == nil ? .active : .quarantined, quarantineReason: entry.quarantine,
            stable: describe(entry.stable), canary: entry.canary.map(describe), canaryPercent: entry.canary == nil ? 0 : entry.canaryPercent,
            previousVersions: entry.previous.reversed().map { $0.reportedVersion ?? $0.manifest?.version ?? "sha-" + $0.sha256.prefix(8) },
            draining: draining.values.filter { $0.name == name }.sorted { $0.id < $1.id }.map(describe),
            limits: entry.stable.options.limits, capabilities: entry.stable.options.capabilities, pool: entry.stable.settings.pool,
            history: entry.history)
    }

    /// Hits, misses and evictions of the compiled-module cache.
    public var moduleCacheStatistics: ModuleCache<any CompiledModule>.Statistics { get async { await cache.statistics } }

    /// Occupancy of the instance pool of plugin `name`'s stable version.
    public func poolStatistics(_ name: String) throws -> InstancePoolStatistics {
        guard let entry = entries[name] else { throw notFound(name) }
        return entry.stable.poolStatistics
    }

    /// Every plugin's summary, by name.
    public func summaries() -> [PluginSummary] { names.compactMap { try? summary($0) } }

    /// Plugins that failed to load from a directory or the watcher, by name; each goes away when the plugin loads
    /// or its file is removed.
    public var failedPlugins: [FailedPlugin] { failed.values.sorted { $0.name < $1.name } }

    /// Events plugins emit through `emit-event`, from now on.
    public nonisolated func events() -> EventStream<PluginEvent> { broadcaster.subscribe() }

    /// Rollout events (deploys, promotions, rollbacks, refused reloads, quarantines), from now on.
    public nonisolated func rolloutEvents() -> EventStream<RolloutEvent> { rolloutBroadcaster.subscribe() }

    // MARK: internals

    package func makeVersion(_ source: PluginVersion.Source) async throws -> PluginVersion {
        let id = nextVersionID
        nextVersionID += 1
        do {
            return try await PluginVersion.make(
                id: id, from: source, host: configuration.host, cache: cache, metrics: metrics.factory, logger: logger, events: broadcaster)
        } catch let error as PlugboardError {
            throw error.inContext(plugin: source.name, function: nil)
        }
    }

    /// What a file or manifest directory holds, read and checked against its manifest's pin and world.
    package func source(at path: String, name: String?) throws -> PluginVersion.Source {
        let fallback = name ?? PluginHost.stem(of: path)
        do {
            let manifest = try PluginManifest.discover(beside: path)
            var pluginPath = path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                guard let manifest else { throw PlugboardError.invalidArgument("'\(path)' is a directory without a plugin.toml") }
                pluginPath = try manifest.pluginPath()
            }
            let bytes = try PluginBinary.readFile(pluginPath)
            try manifest?.verify(bytes, path: pluginPath)
            if let manifest { try PluginHost.checkWorld(of: manifest, against: configuration.host.world) }
            var options = manifest?.loadOptions(environment: configuration.host.environment) ?? configuration.defaultOptions
            let resolvedName = name ?? manifest?.name ?? PluginHost.stem(of: path)
            options.name = resolvedName
            return PluginVersion.Source(
                name: resolvedName, bytes: bytes, sha256: Self.sha256(bytes), sourcePath: path, manifest: manifest, options: options,
                settings: manifest?.rollout ?? configuration.defaultSettings)
        } catch let error as PlugboardError {
            throw error.inContext(plugin: fallback, function: nil)
        }
    }

    package nonisolated func notFound(_ name: String) -> PlugboardError {
        PlugboardError.pluginNotFound(name, loaded: routes.withLock { Array($0.keys) })
    }

    private func publishRoutes() {
        let snapshot = entries.mapValues { Route(stable: $0.stable, canary: $0.canary, canaryPercent: $0.canaryPercent, quarantine: $0.quarantine) }
        routes.withLock { $0 = snapshot }
    }

    package func record(_ event: RolloutEvent, history: Bool = true) {
        if history, entries[event.plugin] != nil {
            entries[event.plugin]?.history.append(event)
            if let count = entries[event.plugin]?.history.count, count > Self.historyLimit {
                entries[event.plugin]?.history.removeFirst(count - Self.historyLimit)
            }
        }
        var metadata: Logger.Metadata = ["plugin.name": .string(event.plugin), "rollout.event": .string(event.kind.rawValue)]
        if let version = event.version { metadata["plugin.version"] = .string(version) }
        if let detail = event.detail { metadata["rollout.detail"] = .string(detail) }
        let level: Logger.Level = [.reloadRefused, .autoRolledBack, .quarantined].contains(event.kind) ? .warning : .info
        logger.log(level: level, "Plugin rollout: \(event.kind.rawValue)", metadata: metadata)
        rolloutBroadcaster.publish(event)
    }

    package static func sha256(_ bytes: [UInt8]) -> String { PluginManifest.sha256Hex(bytes) }
}
