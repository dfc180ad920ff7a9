import ArgumentParser
import Foundation
import Logging
import Plugboard
import PlugboardServer
import PlugboardHTTPFetch
import PlugboardBindgen

/// `plugboard serve`: hosts a directory of plugins over HTTP with hot reload, an admin API, metrics and a dashboard.
public struct Serve: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Serve a directory of plugins over HTTP, with hot reload, canaries, metrics and a dashboard.",
        discussion: """
            Endpoints: POST /v1/plugins/{name}/process, POST /v1/batch, GET /v1/plugins[/{name}], GET /metrics, \
            GET /health, GET /ready, GET / (dashboard), and the admin API under /v1/admin (bearer token).
            SIGINT or SIGTERM stops accepting connections, lets calls in flight finish and releases the plugins.
            """)

    @OptionGroup public var global: GlobalOptions

    @Option(name: .customLong("plugins"), help: "A directory of plugins to serve and watch (repeatable).")
    public var pluginDirectories: [String] = ["examples/plugins"]

    @Option(help: "The address to listen on.")
    public var host = "127.0.0.1"

    @Option(help: "The TCP port (0 picks a free one).")
    public var port = 8080

    @Option(name: .customLong("state"), help: "A directory where rollout state and deployed modules survive restarts (default: in memory).")
    public var stateDirectory: String?

    @Option(help: "The admin API's bearer token (default: $PLUGBOARD_ADMIN_TOKEN; without one the admin API is off).")
    public var adminToken: String?

    @Option(help: "Request bodies larger than this are refused with 413.")
    public var maxBodyBytes = 1 << 20

    @Flag(name: .customLong("no-watch"), help: "Do not reload plugins when their files change.")
    public var noWatch = false

    @Option(
        name: .customLong("timeout-ms"),
        help: ArgumentHelp(
            "Wall-clock limit per call for plugins without a manifest (uploaded modules, bare files), in milliseconds (default: 30000).",
            valueName: "N"))
    public var timeoutMilliseconds: Int?

    @Option(
        name: .customLong("max-memory-mb"),
        help: ArgumentHelp("Linear memory quota for plugins without a manifest, in MiB (default: 32).", valueName: "N"))
    public var maxMemoryMB: Int?

    @Option(help: ArgumentHelp("The engine for plugins whose manifest names none (default: wasmkit, or $PLUGBOARD_ENGINE).", valueName: "wasmkit|wasmtime"))
    public var engine: PluginEngine?

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a TCP port (0-65535).") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive.") }
        if let timeoutMilliseconds, timeoutMilliseconds <= 0 { throw ValidationError("--timeout-ms must be positive.") }
        if let maxMemoryMB, maxMemoryMB <= 0 { throw ValidationError("--max-memory-mb must be positive.") }
        for directory in pluginDirectories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--plugins \(directory): no such directory. Run from the repository root, or pass the directory holding your plugins.")
            }
        }
    }

    public func run() async throws {
        let logger = global.bootstrapLogging()
        let token = adminToken ?? ProcessInfo.processInfo.environment["PLUGBOARD_ADMIN_TOKEN"]
        var configuration = PlugboardServer.Configuration(
            pluginDirectories: pluginDirectories, host: host, port: port, stateDirectory: stateDirectory, adminToken: token,
            maxBodyBytes: maxBodyBytes, watch: !noWatch)
        if let timeoutMilliseconds { configuration.registry.defaultOptions.limits.timeout = .milliseconds(timeoutMilliseconds) }
        if let maxMemoryMB { configuration.registry.defaultOptions.limits.maxMemoryBytes = maxMemoryMB << 20 }
        if let engine { configuration.registry.host.engine = try engine.makeEngine() }
        let server = PlugboardServer(configuration: configuration, logger: logger)
        server.bootstrapMetrics()
        if token?.isEmpty ?? true {
            logger.notice("The admin API is off: set PLUGBOARD_ADMIN_TOKEN (or --admin-token) to deploy, promote and roll back over HTTP")
        }
        let host = self.host
        try await server.run { port in
            let plugins = await server.registry.names
            logger.notice(
                "Serving plugins on http://\(host):\(port)/",
                metadata: ["plugboard.plugins": .string(plugins.joined(separator: ", "))])
        }
    }
}
