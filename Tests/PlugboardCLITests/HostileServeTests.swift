import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Plugboard
import Synchronization
import PlugboardTesting
import Testing

/// Every class of hostile plugin (``HostileCatalog``) through a real `plugboard serve` process: dropped into its
/// watched directory, then uploaded through the admin API. Each is refused or fails alone, with its typed error and
/// HTTP status (a deadline stopping it within 100 ms of the deadline), while the server keeps answering `/health` and
/// a well-behaved plugin after every case; its peak memory over the whole run stays under ``peakBound``.
@Suite(.serialized) struct HostileServeTests {
    /// The most resident memory the server may reach over all the cases (it idles at about 60 MiB in a debug build).
    static let peakBound = 512 << 20
    static let token = "hostile-token"

    struct Server {
        let process: ServerProcess
        let base: String

        func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, admin: Bool = false) async throws -> (status: Int, json: [String: Any]) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            if admin { request.headers.add(name: "Authorization", value: "Bearer \(HostileServeTests.token)") }
            request.headers.add(name: "Connection", value: "close")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
            return (Int(response.status.code), json)
        }

        func process(_ plugin: String) async throws -> (status: Int, json: [String: Any]) {
            try await request(.POST, "/v1/plugins/\(plugin)/process", body: Array(#"{"input": "x"}"#.utf8))
        }

        /// `/health` answers and the well-behaved plugin processes correctly.
        func expectServing(after what: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            #expect(try await request(.GET, "/health").status == 200, "health after \(what)", sourceLocation: sourceLocation)
            let (status, json) = try await request(.POST, "/v1/plugins/good/process", body: Array(#"{"input": "ok", "options": {"mode": "uppercase"}}"#.utf8))
            #expect(status == 200 && json["output"] as? String == "OK", "the good plugin after \(what): \(status) \(json)", sourceLocation: sourceLocation)
        }
    }

    static func expectedStatus(_ code: PlugboardError.Code) -> Int {
        switch code {
        case .timeout: 504
        case .memoryLimitExceeded, .hostCallLimitExceeded: 429
        case .invalidModule: 422
        default: 502
        }
    }

    static func expectStoppedInTime(_ json: [String: Any], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let message = (json["error"] as? [String: Any])?["message"] as? String ?? ""
        let stoppedAfter = HostileRunTests.stoppedAfter(message)
        #expect(
            stoppedAfter.map { $0 >= 1000 && $0 <= 1000 + HostileRunTests.stopSlackMilliseconds } == true, "\(name): \(message)",
            sourceLocation: sourceLocation)
    }

    @Test func everyClassFailsAloneWhileTheServerKeepsAnswering() async throws {
        try await withTemporaryDirectory { directory in
            let plugins = directory.appendingPathComponent("plugins").path
            try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Repository.watPlugin, toPath: plugins + "/good.wat")
            let process = try ServerProcess(
                try Repository.executable().path,
                ["serve", "--plugins", plugins, "--port", "0", "--admin-token", Self.token, "--timeout-ms", "1000", "--max-memory-mb", "64"],
                in: Repository.root.path)
            let port = try #require(
                try await process.waitForLog(#"Serving plugins on http://127\.0\.0\.1:(\d+)/"#), "the server did not start: \(process.log.suffix(2000))")
            let server = Server(process: process, base: "http://127.0.0.1:\(port)")
            try await server.expectServing(after: "start-up")

            // Throughout, another client asks for /health and the good plugin's answer, and records what failed.
            let stopPolling = ServerPollingFlag()
            let poller = Task { () -> (answers: Int, failures: [String]) in
                var answers = 0
                var failures: [String] = []
                while !stopPolling.isRaised {
                    do {
                        let health = try await server.request(.GET, "/health").status
                        let (status, json) = try await server.request(
                            .POST, "/v1/plugins/good/process", body: Array(#"{"input": "ok", "options": {"mode": "uppercase"}}"#.utf8))
                        if health == 200, status == 200, json["output"] as? String == "OK" { answers += 1 } else { failures.append("\(health) \(status) \(json)") }
                    } catch {
                        failures.append("\(error)")
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
                return (answers, failures)
            }

            // 1. Dropped into the watched directory.
            for hostile in HostileCatalog.all {
                try hostile.write(into: plugins)
                let listed = try await eventually(within: 60) {
                    let listing = try await server.request(.GET, "/v1/plugins").json
                    let names = (listing["plugins"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                    let failed = (listing["failed"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                    return names.contains(hostile.name) || failed.contains(hostile.name)
                }
                #expect(listed, "\(hostile.name) was neither loaded nor listed as failed")
                switch hostile.expectedOutcome {
                case .refusedAtLoad(let code):
                    let listing = try await server.request(.GET, "/v1/plugins").json
                    let failure = (listing["failed"] as? [[String: Any]] ?? []).first { $0["name"] as? String == hostile.name }
                    let error = failure?["error"] as? [String: Any]
                    #expect(error?["code"] as? String == code.rawValue, "\(hostile.name): \(failure ?? [:])")
                case .failsCall(let code):
                    let (status, json) = try await server.process(hostile.name)
                    #expect(status == Self.expectedStatus(code), "\(hostile.name): \(status) \(json)")
                    #expect((json["error"] as? [String: Any])?["code"] as? String == code.rawValue, "\(hostile.name): \(json)")
                    if code == .timeout { Self.expectStoppedInTime(json, hostile.name) }
                case .answers(let output):
                    let (status, json) = try await server.process(hostile.name)
                    #expect(status == 200 && json["output"] as? String == output, "\(hostile.name): \(status) \(json)")
                }
                try await server.expectServing(after: "\(hostile.name) in the directory")
            }

            // 2. Uploaded through the admin API (no manifest: the server's defaults, a 1 s deadline and 64 MiB, and no
            // capabilities, so the cases whose attack needs one are left to the directory).
            for hostile in HostileCatalog.all where hostile.capabilities == PluginCapabilities() && hostile.manifest.isEmpty {
                let name = "uploaded-" + hostile.name
                let (status, json) = try await server.request(.POST, "/v1/admin/plugins/\(name)/versions", body: hostile.bytes, admin: true)
                switch hostile.expectedOutcome {
                case .refusedAtLoad(let code):
                    #expect(status == Self.expectedStatus(code), "\(name): \(status) \(json)")
                    #expect((json["error"] as? [String: Any])?["code"] as? String == code.rawValue, "\(name): \(json)")
                    if code == .timeout { Self.expectStoppedInTime(json, name) }
                case .failsCall(let code):
                    #expect(status == 201, "\(name) deploys: \(status) \(json)")
                    let (callStatus, callJSON) = try await server.process(name)
                    #expect(callStatus == Self.expectedStatus(code), "\(name): \(callStatus) \(callJSON)")
                    if code == .timeout { Self.expectStoppedInTime(callJSON, name) }
                case .answers(let output):
                    #expect(status == 201, "\(name) deploys: \(status) \(json)")
                    let (callStatus, callJSON) = try await server.process(name)
                    #expect(callStatus == 200 && callJSON["output"] as? String == output, "\(name): \(callStatus) \(callJSON)")
                }
                try await server.expectServing(after: "\(name) uploaded")
            }

            stopPolling.raise()
            let (answers, failures) = await poller.value
            #expect(failures.isEmpty, "while the cases ran, /health or the good plugin failed: \(failures.prefix(3))")
            #expect(answers > 0)

            let peak = try #require(process.peakResidentBytes)
            #expect(peak < Self.peakBound, "the server peaked at \(peak >> 20) MiB")
            print("HostileServeTests: \(HostileCatalog.all.count) classes through the watched directory and the admin API; the server peaked at \(peak >> 20) MiB")
            #expect(await process.stop() == 0, "the server did not stop cleanly: \(process.log.suffix(2000))")
        }
    }
}

/// A flag the test raises to stop its poller.
final class ServerPollingFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func raise() { value.store(true, ordering: .relaxed) }
    var isRaised: Bool { value.load(ordering: .relaxed) }
}
