import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Hummingbird
import Logging
import NIOCore
import Plugboard
import PlugboardServer
import ServiceLifecycle
import PlugboardHTTPFetch

/// Requests/s and p99 latency of `POST /v1/plugins/{name}/process` through `plugboard serve`, against a bare
/// Hummingbird route that reads the same body and returns the same bytes, both in this process, loaded by `wrk`
/// (Debian's, installed by scripts/setup) from a second process over loopback. Rounds alternate between the two.
struct HTTPBenchmark {
    let root: String
    let seconds: Int
    let connections: Int
    let rounds = 3

    struct Result {
        var requestsPerSecond: Double
        var p99Milliseconds: Double
        var non2xx: Int
    }

    func run() async throws {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            print("http: wrk is not installed; run scripts/setup (it installs Debian's wrk)")
            return
        }
        let plugins = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-http-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: plugins.appendingPathComponent("text-transform"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: plugins) }
        try FileManager.default.copyItem(
            atPath: root + "/examples/plugins/text-transform-c/plugin.wasm", toPath: plugins.appendingPathComponent("text-transform/plugin.wasm").path)

        let input = String(repeating: "plugboard ", count: 10)  // 100 bytes
        let body = #"{"input": "\#(input)", "options": {"mode": "uppercase"}}"#
        let script = plugins.appendingPathComponent("post.lua")
        try """
            wrk.method = "POST"
            wrk.body = '\(body)'
            wrk.headers["Content-Type"] = "application/json"
            """.write(to: script, atomically: true, encoding: .utf8)

        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let server = PlugboardServer(
            configuration: .init(pluginDirectories: [plugins.path], port: 0, watch: false), logger: logger)
        let (ports, portsContinuation) = AsyncStream<Int>.makeStream()
        let serverApplication = server.makeApplication { portsContinuation.yield($0) }

        // The baseline: the same response bytes from a route that does no plugin call.
        let expected = #"{"errorMessage":null,"output":"\#(input.uppercased())","success":true,"version":"1.0.0"}"#
        let bareRouter = Router()
        bareRouter.post("/v1/plugins/text-transform/process") { request, _ -> Response in
            let received = try await request.body.collect(upTo: 1 << 20)
            precondition(received.readableBytes == body.utf8.count)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: expected)))
        }
        let bareApplication = Application(
            router: bareRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { portsContinuation.yield($0.localAddress?.port ?? 0) }, logger: logger)

        let group = ServiceGroup(configuration: .init(services: [serverApplication, bareApplication], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        var bound: [Int] = []
        while bound.count < 2, let port = await iterator.next() { bound.append(port) }
        // Which port is which: ask each for the plugin listing (only the Plugboard server has it).
        let plugboardPort = try await isPlugboard(port: bound[0]) ? bound[0] : bound[1]
        let barePort = bound[0] == plugboardPort ? bound[1] : bound[0]

        // Same bytes from both, checked before measuring.
        let check = try await post(port: plugboardPort, body: body)
        precondition(check == expected, "the server answered \(check), the baseline answers \(expected)")

        print("\nhttp: wrk -t1 -c\(connections) -d\(seconds)s, \(rounds) alternating rounds, median; 100-byte input to text-transform-c (uppercase)")
        var bare: [Result] = []
        var plugboard: [Result] = []
        for _ in 0..<rounds {
            bare.append(try load(wrk: wrk, script: script.path, port: barePort))
            plugboard.append(try load(wrk: wrk, script: script.path, port: plugboardPort))
        }
        let bareMedian = median(bare)
        let plugboardMedian = median(plugboard)
        func line(_ label: String, _ result: Result) {
            print(String(format: "  %-52@ %9.0f req/s   p99 %7.2f ms   non-2xx %d", label as NSString, result.requestsPerSecond, result.p99Milliseconds, result.non2xx))
        }
        line("bare Hummingbird route, same bytes (baseline)", bareMedian)
        line("plugboard serve: POST /v1/plugins/{name}/process", plugboardMedian)
        print(String(format: "  ratio plugboard / baseline: %.2f (goal ≥ 0.8)", plugboardMedian.requestsPerSecond / bareMedian.requestsPerSecond))
        // Where the time goes: the same calls straight to the server's registry, with as many callers as connections.
        let direct = try await directCallsPerSecond(server.registry, input: input)
        print(String(format: "  same calls without HTTP (registry.process, %d tasks, %ds): %9.0f calls/s", connections, seconds, direct))
        await group.triggerGracefulShutdown()
        try await running.value
    }

    /// Calls/s of `process` through the registry alone, from `connections` tasks for `seconds`.
    func directCallsPerSecond(_ registry: PluginRegistry, input: String) async throws -> Double {
        let request = ProcessRequest(input: input, options: [("mode", "uppercase")])
        let clock = ContinuousClock()
        let end = clock.now + .seconds(seconds)
        let start = clock.now
        let calls = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var count = 0
                    while clock.now < end {
                        _ = try await registry.process("text-transform", request)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - start
        return Double(calls) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    func median(_ results: [Result]) -> Result {
        let sorted = results.sorted { $0.requestsPerSecond < $1.requestsPerSecond }
        return sorted[sorted.count / 2]
    }

    func isPlugboard(port: Int) async throws -> Bool {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/plugins"), timeout: .seconds(10))
        return response.status == .ok
    }

    func post(port: Int, body: String) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/plugins/text-transform/process")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    /// Runs wrk against `port` and reads requests/s, the 99th percentile latency and non-2xx responses from its report.
    func load(wrk: String, script: String, port: Int) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, "http://127.0.0.1:\(port)/v1/plugins/text-transform/process"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        func value(after marker: String) -> String? {
            guard let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(marker) }) else { return nil }
            return line.trimmingCharacters(in: .whitespaces).dropFirst(marker.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init)
        }
        let rate = Double(value(after: "Requests/sec:") ?? "") ?? 0
        let p99 = value(after: "99%").map(Self.milliseconds) ?? .nan
        let non2xx = Int(value(after: "Non-2xx or 3xx responses:") ?? "0") ?? 0
        return Result(requestsPerSecond: rate, p99Milliseconds: p99, non2xx: non2xx)
    }

    /// wrk's durations: "812.00us", "1.20ms", "2.01s".
    static func milliseconds(_ text: String) -> Double {
        for (suffix, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(suffix) {
            return (Double(text.dropLast(suffix.count)) ?? .nan) * scale
        }
        return .nan
    }
}
