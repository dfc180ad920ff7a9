import Foundation
import Hummingbird
import Logging
import NIOCore
import Plugboard
import PlugboardTesting
import Synchronization
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// `outgoing-http`'s `fetch` end to end: a C plugin built on bindings generated for `plugin-world-http`
/// (`Fixtures/network/net-probe.c`) fetches the URL it is given from a Hummingbird server the test starts on
/// 127.0.0.1 (ephemeral port); the allowlist, the address rules, the caps and the runtime grants decide what
/// comes back.
@Suite struct HTTPFetchTests {
    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: the probe plugin

    static let probeBytes = Task { try await compileProbe() }

    static func compileProbe() async throws -> [UInt8] {
        let root = Repository.root
        let bindings = try CGuestBindgen.generate(world: HTTPWorld.world)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-net-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try bindings.header.write(to: directory.appendingPathComponent(bindings.headerName), atomically: true, encoding: .utf8)
        try bindings.source.write(to: directory.appendingPathComponent(bindings.sourceName), atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("net-probe.wasm").path
        try await WasmCC.compile(
            [root + "/Tests/PlugboardTests/Fixtures/network/net-probe.c", directory.appendingPathComponent(bindings.sourceName).path],
            flags: ["-I", directory.path], output: output, repositoryRoot: root)
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    /// A host offering `outgoing-http`, recording its log.
    static func host(
        _ fetchOptions: HTTPFetchOptions = HTTPFetchOptions(timeout: .seconds(20)), manager: CapabilityManager? = nil
    ) -> (PluginHost, RecordingLogHandler.Store) {
        let (logger, logs) = RecordingLogHandler.logger()
        let configuration = PluginHost.Configuration(
            hostFunctions: HostFunction.defaultHostAPI + HostFunction.outgoingHTTP(fetchOptions), capabilityManager: manager)
        return (PluginHost(configuration: configuration, logger: logger), logs)
    }

    static func loadProbe(
        _ host: PluginHost, allow patterns: [String], limits: PluginLimits = PluginLimits(), name: String = "net-probe"
    ) async throws -> Plugin {
        let capabilities = PluginCapabilities(network: try patterns.map { try NetworkPattern(parsing: $0) })
        return try await host.load(bytes: try await probeBytes.value, name: name, options: .init(limits: limits, capabilities: capabilities))
    }

    static func fetch(_ plugin: Plugin, _ url: String, options: [(String, String)] = []) async throws -> String {
        try await plugin.process(ProcessRequest(input: url, options: options)).output
    }

    final class Lookups: Sendable {
        let names = Mutex<[String]>([])
    }

    // MARK: a real HTTP server

    /// Counts the requests that reached the server.
    final class Hits: Sendable {
        let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .relaxed) }
        func hit() { count.add(1, ordering: .relaxed) }
    }

    /// Runs a Hummingbird server on 127.0.0.1 (ephemeral port) for the duration of `body`.
    static func withServer(_ body: @Sendable (_ port: Int, _ hits: Hits) async throws -> Void) async throws {
        let hits = Hits()
        let router = Router()
        router.get("hello") { _, _ -> String in
            hits.hit()
            return "hello from the test server"
        }
        router.get("host") { request, _ -> String in
            hits.hit()
            return request.head.authority ?? "no host"
        }
        router.post("echo") { request, _ -> String in
            hits.hit()
            let body = try await request.body.collect(upTo: 1 << 20)
            return "\(request.method.rawValue) \(String(buffer: body))"
        }
        router.get("big") { _, _ -> String in
            hits.hit()
            return String(repeating: "x", count: 10_000)
        }
        router.get("big-chunked") { _, _ -> Response in
            hits.hit()
            return Response(
                status: .ok,
                body: ResponseBody { writer in
                    for _ in 0..<10 { try await writer.write(ByteBuffer(string: String(repeating: "y", count: 1000))) }
                    try await writer.finish(nil)
                })
        }
        router.get("redirect") { _, _ -> Response in
            hits.hit()
            return Response(status: .found, headers: [.location: "http://169.254.169.254/latest/meta-data/"])
        }
        router.get("slow") { _, _ -> String in
            hits.hit()
            try await Task.sleep(for: .seconds(30))
            return "too late"
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: Logger(label: "test-server", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var port = 0
            for await running in ports {
                port = running
                break
            }
            try #require(port != 0)
            defer { group.cancelAll() }
            try await body(port, hits)
        }
    }

    // MARK: allowed and denied destinations

    @Test func aListedLoopbackDestinationGetsStatusAndBody() async throws {
        try await Self.withServer { port, hits in
            let (host, _) = Self.host()
            let plugin = try await Self.loadProbe(host, allow: ["http://127.0.0.1:\(port)"])
            #expect(try await Self.fetch(plugin, "http://127.0.0.1:\(port)/hello") == "status=200 body=hello from the test server")
            #expect(try await Self.fetch(plugin, "http://127.0.0.1:\(port)/echo", options: [("method", "POST"), ("body", "ping")]) == "status=200 body=POST ping")
            #expect(hits.value == 2)
        }
    }

    @Test func anUnlistedLoopbackDestinationIsDeniedAndLogged() async throws {
        try await Self.withServer { port, hits in
            let (host, logs) = Self.host()
            let otherPort = port == 65535 ? 65534 : port + 1
            let plugin = try await Self.loadProbe(host, allow: ["http://127.0.0.1:\(otherPort)"])
            let output = try await Self.fetch(plugin, "http://127.0.0.1:\(port)/hello")
            #expect(output.hasPrefix("denied: "))
            #expect(output.contains("http://127.0.0.1:\(port) is not allowed"))
            // A plugin with no network capability at all never reaches the fetcher: its import is a stub that answers
            // `denied` without reading the request.
            let bare = try await Self.loadProbe(host, allow: [], name: "bare")
            #expect(try await Self.fetch(bare, "http://127.0.0.1:\(port)/hello").contains("the plugin has no network capability"))
            #expect(hits.value == 0)
            let warnings = logs.all.filter { $0.level == .warning && $0.message == "Network request denied" }
            #expect(warnings.count == 1)
            #expect(warnings.first?.metadata["plugin.name"] == "net-probe")
        }
    }

    @Test func aHostNotOnTheListIsDeniedWithoutAnyLookup() async throws {
        let lookups = Lookups()
        let (host, _) = Self.host(HTTPFetchOptions(resolve: { name in
            lookups.names.withLock { $0.append(name) }
            return [IPAddress("93.184.216.34")!]
        }))
        let plugin = try await Self.loadProbe(host, allow: ["https://api.example.com", "http://127.0.0.1:8080"])
        for url in ["http://example.com/", "https://example.com/", "http://api.example.com/", "https://api.example.com:8443/"] {
            #expect(try await Self.fetch(plugin, url).hasPrefix("denied: "), "\(url)")
        }
        #expect(lookups.names.withLock { $0 }.isEmpty, "nothing was resolved, so nothing was sent")
    }

    @Test func aWildcardNameResolvingToLoopbackIsDeniedButAnExactListingConnectsToTheCheckedAddress() async throws {
        try await Self.withServer { port, hits in
            // api.plugboard.test does not exist in real DNS: this resolver is the only way it reaches 127.0.0.1.
            let (host, _) = Self.host(HTTPFetchOptions(resolve: { name in
                switch name {
                case "api.plugboard.test": [IPAddress("127.0.0.1")!]
                case "mixed.plugboard.test": [IPAddress("93.184.216.34")!, IPAddress("::ffff:10.0.0.7")!]
                default: throw TestFailure("unknown name \(name)")
                }
            }))
            let wildcard = try await Self.loadProbe(host, allow: ["http://*.plugboard.test:\(port)"], name: "wildcard")
            let denied = try await Self.fetch(wildcard, "http://api.plugboard.test:\(port)/hello")
            #expect(denied.hasPrefix("denied: "))
            #expect(denied.contains("127.0.0.1, a loopback address"))
            let mixed = try await Self.fetch(wildcard, "http://mixed.plugboard.test:\(port)/hello")
            #expect(mixed.contains("::ffff:10.0.0.7, a private address"), "one non-public address is enough to refuse")
            #expect(hits.value == 0)

            let exact = try await Self.loadProbe(host, allow: ["http://api.plugboard.test:\(port)"], name: "exact")
            #expect(try await Self.fetch(exact, "http://api.plugboard.test:\(port)/host") == "status=200 body=api.plugboard.test:\(port)")
            #expect(hits.value == 1)
        }
    }

    @Test func anExactlyListedLocalhostIsReachableThroughTheSystemResolver() async throws {
        try await Self.withServer { port, _ in
            let (host, _) = Self.host()
            let plugin = try await Self.loadProbe(host, allow: ["http://localhost:\(port)"])
            #expect(try await Self.fetch(plugin, "http://localhost:\(port)/hello") == "status=200 body=hello from the test server")
            let wildcard = try await Self.loadProbe(host, allow: ["http://*.localhost:\(port)"], name: "wildcard")
            #expect(!(try await Self.fetch(wildcard, "http://probe.localhost:\(port)/hello").hasPrefix("status=")))
        }
    }

    // MARK: what comes back

    @Test func aResponseOverTheCapIsTooLarge() async throws {
        try await Self.withServer { port, _ in
            let (host, _) = Self.host()
            let plugin = try await Self.loadProbe(host, allow: ["http://127.0.0.1:\(port)"], limits: PluginLimits(maxOutputBytes: 4096))
            #expect(try await Self.fetch(plugin, "http://127.0.0.1:\(port)/big") == "too-large: 4096")
            #expect(try await Self.fetch(plugin, "http://127.0.0.1:\(port)/big-chunked") == "too-large: 4096")
            #expect(try await Self.fetch(plugin, "http://127.0.0.1:\(port)/hello") == "status=200 body=hello from the test server")
        }
    }

    @Test func aRedirectIsReturnedNotFollowed() async throws {
        try await Self.withServer { port, hits in
            let (host, _) = Self.host()
            let plugin = try await Self.loadProbe(host, allow: ["http://127.0.0.1:\(port)"])
            #expect(try await Self.fetch(plugin, "http://127.0.0.1:\(port)/redirect") == "status=302 body=")
            #expect(hits.value == 1)
        }
    }

    @Test func aSlowResponseTimesOut() async throws {
        try await Self.withServer { port, _ in
            let (host, _) = Self.host(HTTPFetchOptions(timeout: .milliseconds(300)))
            let plugin = try await Self.loadProbe(host, allow: ["http://127.0.0.1:\(port)"])
            #expect(try await Self.fetch(plugin, "http://127.0.0.1:\(port)/slow") == "timeout")
        }
    }

    @Test func malformedRequestsAreInvalidRequestsNotTraps() async throws {
        try await Self.withServer { port, hits in
            let (host, _) = Self.host()
            let plugin = try await Self.loadProbe(host, allow: ["http://127.0.0.1:\(port)"])
            let base = "http://127.0.0.1:\(port)"
            let cases: [(String, [(String, String)], String)] = [
                ("file:///etc/passwd", [], "scheme 'file'"),
                ("http://user:pw@127.0.0.1:\(port)/hello", [], "user name"),
                ("\(base)/hello", [("header", "Host: internal.example")], "'Host' is set by the host"),
                ("\(base)/hello", [("header", "X-A: a\r\nX-B: b")], "control characters"),
                ("\(base)/hello", [("method", "CONNECT")], "CONNECT is not allowed"),
                ("\(base)/hel lo", [], "spaces"),
                ("not a url", [], "spaces"),
            ]
            for (url, options, fragment) in cases {
                let output = try await Self.fetch(plugin, url, options: options)
                #expect(output.hasPrefix("invalid-request: "), "\(url): \(output)")
                #expect(output.contains(fragment), "\(url): \(output)")
            }
            #expect(hits.value == 0)
        }
    }

    // MARK: capabilities at runtime

    @Test func aRuntimeGrantTakesEffectAtTheNextInstantiation() async throws {
        try await Self.withServer { port, _ in
            let manager = CapabilityManager()
            let (host, _) = Self.host(manager: manager)
            let url = "http://127.0.0.1:\(port)/hello"
            let before = try await Self.loadProbe(host, allow: [])
            #expect(try await Self.fetch(before, url).hasPrefix("denied: "))

            try await manager.grant("network:http://127.0.0.1:\(port)", to: "net-probe")
            #expect(try await Self.fetch(before, url).hasPrefix("denied: "), "the running instance keeps its capabilities")
            try await host.unload("net-probe")
            let granted = try await Self.loadProbe(host, allow: [])
            #expect(try await Self.fetch(granted, url) == "status=200 body=hello from the test server")

            try await manager.revoke("network:http://127.0.0.1:\(port)", from: "net-probe")
            try await host.unload("net-probe")
            let revoked = try await Self.loadProbe(host, allow: [])
            #expect(try await Self.fetch(revoked, url).hasPrefix("denied: "))

            let error = try await #require(throws: PlugboardError.self) { try await manager.grant("network:http://a/b", to: "net-probe") }
            #expect(error.message.contains("path"))
        }
    }

    // MARK: hostile guests and linking

    @Test func aBadPointerPassedToFetchIsAnABIViolationAndTheHostSurvives() async throws {
        let (host, _) = Self.host()
        let capabilities = PluginCapabilities(network: [try NetworkPattern(parsing: "http://127.0.0.1:9")])
        let hostile = try await host.load(
            path: Repository.path("Tests/PlugboardTests/Fixtures/hostile/fetch-out-of-bounds.wat"), options: .init(capabilities: capabilities))
        let error = try await #require(throws: PlugboardError.self) {
            try await hostile.process(ProcessRequest(input: "bad", options: []))
        }
        #expect(error.code == .abiViolation)
        #expect(error.message.contains("past the end"))
        #expect(try await hostile.process(ProcessRequest(input: "after", options: [])).output == "after")
        let probe = try await Self.loadProbe(host, allow: [])
        #expect(try await Self.fetch(probe, "http://127.0.0.1:9/").hasPrefix("denied: "))
    }

    @Test func aPluginImportingFetchDoesNotLinkWhereTheHostDoesNotOfferIt() async throws {
        let error = try await #require(throws: PlugboardError.self) {
            try await PluginHost().load(bytes: try await Self.probeBytes.value, name: "net-probe")
        }
        #expect(error.code == .unknownImport)
        #expect(error.message.contains("plugboard:plugin/outgoing-http@1.0.0"))
    }

    @Test func theCompiledInHTTPWorldIsTheOneInTheRepository() throws {
        let file = try String(contentsOfFile: Repository.path("wit/http.wit"), encoding: .utf8)
        #expect(HTTPWorld.witSource + "\n" == file)
        let loaded = try WITPackage.load(path: Repository.path("wit"))
        #expect(try loaded.world(named: "plugin-world-http") == HTTPWorld.world)
        #expect(try loaded.world(named: "plugin-world") == DefaultWorld.world)
        #expect(HTTPWorld.world.imports.map(\.qualifiedName) == ["plugboard:plugin/host-api@1.0.0", "plugboard:plugin/outgoing-http@1.0.0"])
        #expect(
            HTTPWorld.outgoingHTTP.function(named: "fetch")?.signature == "func(request: request) -> result<response, fetch-error>")
    }
}
