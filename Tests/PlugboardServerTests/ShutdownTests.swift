import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Logging
import NIOCore
import Plugboard
import PlugboardServer
import PlugboardTesting
import ServiceLifecycle
import Testing

/// Graceful shutdown: a slow call in flight completes, and the rollout state is on disk for the next start.
///
/// The test once failed with "Connection reset by peer": it took "the slow plugin has a busy instance" as proof that
/// its request was in flight, but the server's periodic health probe also calls `process` on every plugin, and the
/// slow plugin's probe spins too. When the probe, not the request, made the instance busy, shutdown began before
/// the server had read the request from its connection, and Hummingbird (rightly) closes connections without a
/// request in progress when it quiesces. The server never drops a call it has started; the test now turns the
/// periodic probe off (and the server probes no plugin on its own after start-up but the one a deploy changed, here
/// `echo`), so the busy instance can only be its own request's.
@Suite struct ShutdownTests {
    @Test func aSlowCallInFlightCompletesAndStateIsPersisted() async throws {
        let plugins = try PluginDirectory()
        try plugins.add("slow", behavior: .spin(iterations: VersionedGuest.spinIterations(lastingLike: 5_000_000)))
        try plugins.add("echo")
        let state = try PluginDirectory()
        let token = "token"
        let configuration = PlugboardServer.Configuration(
            pluginDirectories: [plugins.path], port: 0, stateDirectory: state.path, adminToken: token, healthInterval: .seconds(3600))
        let running = PlugboardServer(configuration: configuration, metrics: TestMetrics.registry, logger: testLogger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = running.makeApplication { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [application], logger: testLogger))
        let finished = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let base = "http://127.0.0.1:\(port)"

        // A rollout change to persist: a canary of echo at 25 %.
        var deploy = HTTPClientRequest(url: base + "/v1/admin/plugins/echo/versions?canary=25")
        deploy.method = .POST
        deploy.headers.add(name: "Authorization", value: "Bearer \(token)")
        deploy.body = .bytes(VersionedGuest.bytes(name: "echo", version: "2.0.0"))
        #expect(try await HTTPClient.shared.execute(deploy, timeout: RunningServer.hangGuard).status.code == 201)

        // The slow call, measured alone first so the test knows it is really in flight when shutdown starts.
        let started = ContinuousClock.now
        let slowCall = Task { () -> (Int, String) in
            var request = HTTPClientRequest(url: base + "/v1/plugins/slow/process")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: #"{"input": "patience"}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: RunningServer.hangGuard)
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        }
        let inFlight = try await eventually { try await running.registry.poolStatistics("slow").busy > 0 }
        #expect(inFlight)
        await group.triggerGracefulShutdown()

        let (status, body) = try await slowCall.value
        let elapsed = ContinuousClock.now - started
        #expect(status == 200, "the call in flight was answered: \(body)")
        #expect(body.contains("1.0.0:patience"))
        try await finished.value
        print("ShutdownTests: the call in flight finished \(elapsed) after it started, during graceful shutdown")

        // The server no longer accepts connections.
        await #expect(throws: (any Error).self) {
            _ = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/health"), timeout: .seconds(5))
        }

        // The state on disk has the canary; a new registry over it brings it back.
        let saved = try String(contentsOfFile: state.path + "/rollout-state.json", encoding: .utf8)
        #expect(saved.contains("2.0.0"))
        let restarted = PluginRegistry(configuration: .init(stateDirectory: state.path))
        await restarted.loadDirectory(plugins.path)
        try await restarted.restoreState()
        let summary = try await restarted.summary("echo")
        #expect(summary.canary?.version == "2.0.0")
        #expect(summary.canaryPercent == 25)
        await restarted.shutdown()
    }
}
