import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Hummingbird
import Logging
import Metrics
import NIOCore
import Plugboard
import PlugboardServer
import PlugboardTesting
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

/// Paths inside the repository.
enum Repository {
    static let root: URL = SourceTree.root

    static func path(_ relative: String) -> String { SourceTree.path(relative) }
}

/// One Prometheus registry for the test process, which swift-metrics (and so Hummingbird's HTTP metrics) is
/// bootstrapped with once.
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// The servers' logger: quiet unless something is wrong.
let testLogger: Logger = {
    var logger = Logger(label: "plugboard-server-tests")
    logger.logLevel = ProcessInfo.processInfo.environment["PLUGBOARD_TEST_LOG"] == nil ? .error : .trace
    return logger
}()

/// A plugin directory in a temporary directory, removed at the end of the test.
struct PluginDirectory: ~Copyable {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `<name>/plugin.wat` and `<name>/plugin.toml` (name, version, and `extra` TOML lines).
    func add(_ name: String, version: String = "1.0.0", behavior: VersionedGuest.Behavior = .echo, manifest extra: String = "") throws {
        let directory = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try VersionedGuest.wat(name: name, version: version, behavior: behavior).write(
            to: directory.appendingPathComponent("plugin.wat"), atomically: true, encoding: .utf8)
        try "name = \"\(name)\"\nversion = \"\(version)\"\nwasm = \"plugin.wat\"\n\(extra)\n".write(
            to: directory.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
    }

    /// Copies a file of the repository into the directory under `name`.
    func copy(_ relative: String, as name: String) throws {
        try FileManager.default.copyItem(atPath: Repository.path(relative), toPath: url.appendingPathComponent(name).path)
    }
}

/// A `PlugboardServer` running on an ephemeral loopback port for the length of a test, in a service group the test
/// can shut down gracefully.
struct RunningServer: Sendable {
    let server: PlugboardServer
    let port: Int
    let group: ServiceGroup
    let finished: Task<Void, any Error>

    var base: String { "http://127.0.0.1:\(port)" }

    static func withServer<T>(
        _ configuration: PlugboardServer.Configuration, _ body: (RunningServer) async throws -> T
    ) async throws -> T {
        var configuration = configuration
        configuration.port = 0
        configuration.host = "127.0.0.1"
        let server = PlugboardServer(configuration: configuration, metrics: TestMetrics.registry, logger: testLogger)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let application = server.makeApplication { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [application], logger: testLogger))
        let finished = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let running = RunningServer(server: server, port: port, group: group, finished: finished)
        do {
            let result = try await body(running)
            await group.triggerGracefulShutdown()
            try await finished.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await finished.value
            throw error
        }
    }

    // MARK: requests

    struct Reply: Sendable {
        var status: Int
        var body: String
        var headers: [(String, String)]

        /// The body as a JSON object.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
        /// `error.code` of an error body.
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    }

    /// How long a test's request may take before the test gives up: a guard against a hang, not a speed check.
    ///
    /// Every suite of the test run shares the process and its two cores; a request that loads a plugin (a deploy,
    /// a reload) waits for a loading slot behind loads of other suites, among them the 18 MB Python example compiled
    /// by a debug build: a minute was once not enough. A server that hangs still fails the test.
    static let hangGuard: TimeAmount = .minutes(5)

    func request(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, json: String? = nil, token: String? = nil,
        timeout: TimeAmount = RunningServer.hangGuard
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        } else if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: buffer), headers: response.headers.map { ($0.name, $0.value) })
    }

    func get(_ path: String) async throws -> Reply { try await request(.GET, path) }

    func post(_ path: String, json: String, token: String? = nil) async throws -> Reply {
        try await request(.POST, path, json: json, token: token)
    }

    func process(_ plugin: String, _ input: String, key: String? = nil) async throws -> Reply {
        let keyField = key.map { ", \"key\": \"\($0)\"" } ?? ""
        return try await post("/v1/plugins/\(plugin)/process", json: "{\"input\": \"\(input)\"\(keyField)}")
    }
}

/// A flag and a set shared between a test and the tasks it starts.
final class SharedState: Sendable {
    let stopped = Atomic<Bool>(false)
    let versions = Mutex<Set<String>>([])

    var isStopped: Bool { stopped.load(ordering: .relaxed) }
    func stop() { stopped.store(true, ordering: .relaxed) }
    func insert(_ version: String) { versions.withLock { _ = $0.insert(version) } }
    func contains(_ version: String) -> Bool { versions.withLock { $0.contains(version) } }
}
