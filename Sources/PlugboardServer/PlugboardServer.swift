import Foundation
import Hummingbird
import Logging
import Metrics
import Plugboard
import Prometheus
import ServiceLifecycle
import UnixSignals
import PlugboardHTTPFetch

/// `plugboard serve`: hosts a directory of plugins over HTTP, with an admin API, Prometheus metrics, health and
/// readiness, and a live dashboard.
///
/// ```swift
/// let server = PlugboardServer(configuration: .init(pluginDirectories: ["plugins"], port: 8080), logger: logger)
/// try await server.run()   // until SIGINT/SIGTERM: then stops accepting, finishes calls in flight, saves state
/// ```
public struct PlugboardServer: Sendable {
    /// Where the server listens, what it hosts and its limits.
    public struct Configuration: Sendable {
        /// Directories of plugins to load (and watch, with ``watch``).
        public var pluginDirectories: [String]
        public var host: String
        /// The TCP port; 0 picks a free one (see ``PlugboardServer/run(onListening:)``).
        public var port: Int
        /// Where rollout state and deployed modules are kept across restarts (`nil`: in memory only).
        public var stateDirectory: String?
        /// The bearer token the admin API requires; `nil` or empty turns the admin API off.
        public var adminToken: String?
        /// Request bodies over this many bytes are refused with 413 before any plugin sees them.
        public var maxBodyBytes: Int
        /// Hot reload: apply changes to the plugin directories as they happen.
        public var watch: Bool
        /// The most requests one `/v1/batch` call may hold.
        public var maxBatchRequests: Int
        /// The most batch requests run at once, whatever the client asks for.
        public var maxBatchConcurrency: Int
        /// How often every plugin's health is probed for listings and the dashboard.
        public var healthInterval: Duration
        /// The registry's settings (engine, world, host functions, defaults); its state directory is ``stateDirectory``.
        public var registry: PluginRegistry.Configuration

        public init(
            pluginDirectories: [String] = ["examples/plugins"], host: String = "127.0.0.1", port: Int = 8080,
            stateDirectory: String? = nil, adminToken: String? = nil, maxBodyBytes: Int = 1 << 20, watch: Bool = true,
            maxBatchRequests: Int = 1000, maxBatchConcurrency: Int = 32, healthInterval: Duration = .seconds(10),
            registry: PluginRegistry.Configuration = PluginRegistry.Configuration(
                host: PluginHost.Configuration(hostFunctions: HostFunction.defaultHostAPI + HostFunction.outgoingHTTP()))
        ) {
            self.pluginDirectories = pluginDirectories
            self.host = host
            self.port = port
            self.stateDirectory = stateDirectory
            self.adminToken = adminToken
            self.maxBodyBytes = maxBodyBytes
            self.watch = watch
            self.maxBatchRequests = maxBatchRequests
            self.maxBatchConcurrency = maxBatchConcurrency
            self.healthInterval = healthInterval
            self.registry = registry
        }
    }

    public let configuration: Configuration
    /// The plugins the server hosts.
    public let registry: PluginRegistry
    /// Grants and revokes capabilities at runtime (the admin API's `capabilities` endpoint).
    public let capabilities: CapabilityManager
    /// What `/metrics` reports: the registry's metrics, and the HTTP metrics when the process's `MetricsSystem` is
    /// bootstrapped with a `PrometheusMetricsFactory` over this registry (``bootstrapMetrics()``).
    public let metrics: PrometheusCollectorRegistry
    let logger: Logger
    let health = HealthMonitor()
    let readiness = Readiness()

    public init(
        configuration: Configuration = Configuration(), metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger = Logger(label: "plugboard.server")
    ) {
        var registryConfiguration = configuration.registry
        let capabilities = registryConfiguration.host.capabilityManager ?? CapabilityManager(logger: logger)
        registryConfiguration.host.capabilityManager = capabilities
        registryConfiguration.stateDirectory = configuration.stateDirectory
        registryConfiguration.metricsFactory = registryConfiguration.metricsFactory ?? PrometheusMetricsFactory(registry: metrics)
        self.configuration = configuration
        self.capabilities = capabilities
        self.metrics = metrics
        self.logger = logger
        self.registry = PluginRegistry(configuration: registryConfiguration, logger: logger)
    }

    /// Points the process's swift-metrics at ``metrics``, so Hummingbird's HTTP metrics appear on `/metrics` too.
    /// A process can do this once; the CLI does it, a library embedding the server may have its own backend.
    public func bootstrapMetrics() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
    }

    /// Loads the plugin directories, brings back saved rollout state and starts watching, then serves until
    /// SIGINT or SIGTERM (or until the task is cancelled): then it stops accepting connections, lets requests in
    /// flight finish, and releases the plugins once their calls return. Rollout state is saved at every change.
    ///
    /// - Parameter onListening: Called with the bound port once the server accepts connections.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let application = makeApplication(onListening: onListening)
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The Hummingbird application, to run inside a `ServiceGroup` of your own.
    public func makeApplication(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var application = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "plugboard"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        application.beforeServerStarts { await self.start() }
        application.addServices(PluginLifecycleService(server: self))
        return application
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let handlers = APIHandlers(
            registry: registry, capabilities: capabilities, health: health, metrics: metrics, configuration: configuration,
            readiness: readiness)
        let router = Router()
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: APIErrorMiddleware())
        router.get("/", use: Dashboard.page)
        router.get("/health", use: handlers.liveness)
        router.get("/ready", use: handlers.readiness)
        router.get("/metrics", use: handlers.prometheusMetrics)
        router.get("/v1/plugins", use: handlers.listPlugins)
        router.get("/v1/plugins/:name", use: handlers.showPlugin)
        router.post("/v1/plugins/:name/process", use: handlers.process)
        router.post("/v1/batch", use: handlers.batch)
        let admin = router.group("/v1/admin").add(middleware: AdminTokenMiddleware(token: configuration.adminToken))
        admin.post("/plugins/:name/versions", use: handlers.deployVersion)
        admin.post("/plugins/:name/split", use: handlers.setSplit)
        admin.post("/plugins/:name/promote", use: handlers.promote)
        admin.post("/plugins/:name/rollback", use: handlers.rollback)
        admin.post("/plugins/:name/capabilities", use: handlers.changeCapabilities)
        admin.post("/plugins/:name/reload", use: handlers.reload)
        admin.delete("/plugins/:name", use: handlers.unload)
        return router
    }

    /// Loads the plugin directories, restores saved rollout state and starts the watcher.
    func start() async {
        for directory in configuration.pluginDirectories {
            let failures = await registry.loadDirectory(directory)
            logger.info(
                "Plugin directory loaded",
                metadata: ["plugboard.directory": .string(directory), "plugboard.failed": .stringConvertible(failures.count)])
        }
        do {
            try await registry.restoreState()
        } catch {
            logger.error(
                "Saved rollout state not restored; serving the plugin files as they are, and saving no state until it is fixed",
                metadata: ["error.message": .string("\(error)")])
        }
        if configuration.watch, !configuration.pluginDirectories.isEmpty {
            do {
                try await registry.startWatching(configuration.pluginDirectories)
            } catch {
                logger.error("Plugin directories not watched; hot reload is off", metadata: ["error.message": .string("\(error)")])
            }
        }
        readiness.markLoaded()
        await health.refresh(registry)
    }
}

/// Probes the plugins' health periodically and, on graceful shutdown (after the HTTP server has finished its
/// requests), releases them. (The plugins are loaded before the server accepts connections, see ``PlugboardServer/start()``.)
struct PluginLifecycleService: Service {
    let server: PlugboardServer

    func run() async throws {
        let interval = server.configuration.healthInterval
        let registry = server.registry
        let health = server.health
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    await health.refresh(registry)
                }
            }
            group.addTask {
                // A plugin whose versions changed is probed at once, so /ready and the listings reflect it. Changes
                // made while the server starts are covered by the probe that ends its start-up.
                let probed: Set<RolloutEvent.Kind> = [.loaded, .deployed, .canaryDeployed, .promoted, .rolledBack, .autoRolledBack, .stableRolledBack]
                let readiness = server.readiness
                for await event in registry.rolloutEvents() where probed.contains(event.kind) && readiness.isLoaded {
                    _ = try? await health.check(event.plugin, in: registry)
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await registry.shutdown()
        server.logger.info("Plugins released; rollout state is saved")
    }
}
