import Foundation
import MetricsTestKit
import Plugboard
import PlugboardTesting
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// `PluginRegistry`: versions, canary routing, promote and rollback, guardrails, failure policies, the module
/// cache and instance pools, health, batches and metrics, through its public API.
@Suite struct RegistryTests {
    static func registry(settings: RolloutSettings = RolloutSettings(), metrics: TestMetrics? = nil) -> PluginRegistry {
        PluginRegistry(configuration: .init(defaultSettings: settings, metricsFactory: metrics))
    }

    static func request(_ input: String) -> ProcessRequest { ProcessRequest(input: input) }

    @Test func aLoadedPluginAnswersAndReportsItsVersion() async throws {
        let registry = Self.registry()
        let summary = try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "greeter")
        #expect(summary.stable.version == "1.0.0")
        #expect(summary.canary == nil)
        let response = try await registry.process("greeter", Self.request("hi"))
        #expect(response.value.output == "1.0.0:hi")
        #expect(response.version == "1.0.0")
        #expect(!response.servedByCanary)
        let error = try await #require(throws: PlugboardError.self) { try await registry.process("absent", Self.request("hi")) }
        #expect(error.code == .pluginNotFound)
        #expect(error.description.contains("no plugin named 'absent' is loaded (loaded: greeter)"))
    }

    @Test func aCanaryAtTenPercentGetsTenPercentOfTenThousandKeysStickilyThenPromoteAndRollbackWork() async throws {
        // Routing only: no latency guardrail, which parallel tests on two cores could trip.
        var settings = RolloutSettings()
        settings.guardrails.minimumP95 = .seconds(3600)
        let registry = Self.registry(settings: settings)
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "split")
        try await registry.deploy("split", bytes: VersionedGuest.bytes(version: "2.0.0"), canaryPercent: 10)
        var canaryKeys: Set<String> = []
        for index in 0..<10_000 {
            let key = "user-\(index)"
            let response = try await registry.process("split", Self.request("x"), key: key)
            #expect(response.value.output == "\(response.version):x")
            if response.servedByCanary {
                #expect(response.version == "2.0.0")
                canaryKeys.insert(key)
            }
        }
        let share = Double(canaryKeys.count) / 10_000
        print("RegistryTests: a 10 % canary served \(canaryKeys.count) of 10,000 keys (\(share * 100) %)")
        #expect(abs(share - 0.10) <= 0.015)
        // Sticky: the same keys land on the same version again.
        for index in stride(from: 0, to: 10_000, by: 97) {
            let key = "user-\(index)"
            let response = try await registry.process("split", Self.request("x"), key: key)
            #expect(response.servedByCanary == canaryKeys.contains(key))
        }
        // Raising the share only moves keys onto the canary.
        try await registry.setCanaryPercent("split", 30)
        for key in canaryKeys.prefix(200) {
            #expect(try await registry.process("split", Self.request("x"), key: key).servedByCanary)
        }
        try await registry.promote("split")
        var summary = try await registry.summary("split")
        #expect(summary.stable.version == "2.0.0")
        #expect(summary.canary == nil)
        #expect(summary.previousVersions == ["1.0.0"])
        #expect(try await registry.process("split", Self.request("x"), key: "user-1").version == "2.0.0")
        // A new canary, rolled back by hand: everything goes to stable again.
        try await registry.deploy("split", bytes: VersionedGuest.bytes(version: "3.0.0"), canaryPercent: 100)
        #expect(try await registry.process("split", Self.request("x"), key: "user-1").version == "3.0.0")
        try await registry.rollback("split")
        #expect(try await registry.process("split", Self.request("x"), key: "user-1").version == "2.0.0")
        // And the stable version rolls back to the one before it.
        summary = try await registry.rollbackStable("split")
        #expect(summary.stable.version == "1.0.0")
        #expect(try await registry.process("split", Self.request("x")).version == "1.0.0")
        let kinds = try await registry.summary("split").history.map(\.kind)
        #expect(kinds == [.loaded, .canaryDeployed, .splitChanged, .promoted, .canaryDeployed, .rolledBack, .stableRolledBack])
    }

    @Test func aCanaryThatReturnsErrorsIsRolledBackOnItsOwnWithAnEvent() async throws {
        var settings = RolloutSettings()
        settings.guardrails.minimumCalls = 20
        let registry = Self.registry(settings: settings)
        let events = registry.rolloutEvents()
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "guarded")
        try await registry.deploy("guarded", bytes: VersionedGuest.bytes(version: "1.1.0", behavior: .reject), canaryPercent: 50)
        var rejected = 0
        for index in 0..<400 {
            let response = try await registry.process("guarded", Self.request("x"), key: "k\(index)")
            if !response.value.success {
                rejected += 1
                #expect(response.version == "1.1.0")
            }
        }
        #expect(rejected == 20, "the canary serves exactly min-calls calls before its error rate rolls it back")
        let summary = try await registry.summary("guarded")
        #expect(summary.canary == nil)
        #expect(summary.stable.version == "1.0.0")
        var received: RolloutEvent?
        for await event in events where event.kind == .autoRolledBack {
            received = event
            break
        }
        let event = try #require(received)
        #expect(event.plugin == "guarded")
        #expect(event.version == "1.1.0")
        #expect(event.detail == "error rate 100.0 % over 20 calls exceeds max-error-rate 5.0 %")
    }

    @Test func identicalBytesCompileOnceAndAPoolOfFourRunsFourSlowCallsAtOnce() async throws {
        var settings = RolloutSettings()
        settings.pool.size = 4
        let registry = Self.registry(settings: settings)
        // Slow enough that the four calls overlap, on either engine.
        let iterations = VersionedGuest.spinIterations(lastingLike: 3_000_000)
        let bytes = VersionedGuest.bytes(version: "1.0.0", behavior: .spin(iterations: iterations))
        // No deadline: however loaded the machine, the calls are not cut short.
        try await registry.load(bytes: bytes, name: "slow-a", options: .init(limits: PluginLimits(timeout: nil)))
        try await registry.load(bytes: bytes, name: "slow-b", options: .init(limits: PluginLimits(timeout: nil)))
        let cache = await registry.moduleCacheStatistics
        #expect(cache.misses == 1)
        #expect(cache.hits == 1)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask {
                    _ = try await registry.process("slow-a", Self.request("\(index)"))
                }
            }
            // While the four calls run, the pool has lent out four instances at once.
            var busiest = 0
            _ = try await eventually(within: 30, every: .milliseconds(5)) {
                busiest = max(busiest, try await registry.poolStatistics("slow-a").busy)
                return busiest == 4
            }
            #expect(busiest == 4)
            try await group.waitForAll()
        }
    }

    @Test func failOpenAnswersTheFallbackAndRepeatedCrashesQuarantine() async throws {
        var settings = RolloutSettings()
        settings.failure = FailurePolicy(mode: .failOpen, fallback: "try later", maxCrashes: 3, crashWindow: .seconds(60))
        let registry = Self.registry(settings: settings)
        let events = registry.rolloutEvents()
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0", behavior: .trap), name: "crashy")
        for _ in 0..<3 {
            let response = try await registry.process("crashy", Self.request("x"))
            #expect(response.value.output == "try later")
            #expect(!response.value.success)
            #expect(response.value.errorMessage?.contains("plugin 'crashy") == true)
        }
        let summary = try await registry.summary("crashy")
        #expect(summary.state == .quarantined)
        #expect(summary.quarantineReason?.hasPrefix("3 crashes within 60 s (max-crashes 3); last: ") == true)
        // Quarantined: fail-open still answers, without running the plugin.
        #expect(try await registry.process("crashy", Self.request("x")).value.output == "try later")
        let health = try await registry.health("crashy")
        #expect(health.status == .quarantined)
        for await event in events where event.kind == .quarantined {
            #expect(event.plugin == "crashy")
            break
        }
    }

    @Test func failClosedQuarantineNamesThePluginAndWhatToDoAndAReloadedVersionServesAgain() async throws {
        var settings = RolloutSettings()
        settings.failure = FailurePolicy(mode: .failClosed, maxCrashes: 2)
        let registry = Self.registry(settings: settings)
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0", behavior: .trap), name: "broken")
        for _ in 0..<2 {
            let error = try await #require(throws: PlugboardError.self) { try await registry.process("broken", Self.request("x")) }
            #expect(error.code == .trap)
        }
        let error = try await #require(throws: PlugboardError.self) { try await registry.process("broken", Self.request("x")) }
        #expect(error.code == .quarantined)
        #expect(error.plugin == "broken")
        #expect(error.description.contains("Fix the plugin and deploy a new version"))
        try await registry.deploy("broken", bytes: VersionedGuest.bytes(version: "1.0.1"))
        #expect(try await registry.process("broken", Self.request("x")).value.output == "1.0.1:x")
        #expect(try await registry.summary("broken").state == .active)
    }

    @Test func theReloadPolicyRetriesACrashedCallOnAFreshInstance() async throws {
        var settings = RolloutSettings()
        settings.failure = FailurePolicy(mode: .reload, maxCrashes: 10)
        let registry = Self.registry(settings: settings)
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0", behavior: .trap), name: "retried")
        let error = try await #require(throws: PlugboardError.self) { try await registry.process("retried", Self.request("x")) }
        #expect(error.code == .trap)
        // Two attempts: the call and its retry.
        #expect(try await registry.summary("retried").stable.stats.calls == 2)
    }

    @Test func healthProbesThePluginAndBatchesKeepOrderWhileOneFails() async throws {
        let registry = Self.registry()
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "good")
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0", behavior: .reject), name: "sulky")
        #expect(try await registry.health("good").status == .healthy)
        let sulky = try await registry.health("sulky")
        #expect(sulky.status == .degraded)
        #expect(sulky.lastError?.contains("rejected by 1.0.0") == true)

        let requests = (0..<20).map { index in
            BatchRequest(plugin: index == 7 ? "missing" : "good", request: Self.request("item \(index)"))
        }
        let results = await registry.batch(requests, concurrency: 4)
        #expect(results.count == 20)
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let response): #expect(response.value.output == "1.0.0:item \(index)")
            case .failure(let error):
                #expect(index == 7)
                #expect(error.code == .pluginNotFound)
            }
        }
    }

    @Test func callsAreCountedPerPluginVersionAndOutcome() async throws {
        let metrics = TestMetrics()
        let registry = Self.registry(metrics: metrics)
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "counted")
        for _ in 0..<3 { _ = try await registry.process("counted", Self.request("x")) }
        let labels = [("plugin", "counted"), ("version", "1.0.0"), ("engine", PluginEngine.processDefault.rawValue)]
        let ok = try metrics.expectCounter("plugboard_calls_total", labels + [("outcome", "ok")])
        #expect(ok.totalValue == 3)
        let timer = try metrics.expectTimer("plugboard_call_duration_seconds", labels)
        #expect(timer.values.count == 3)
        await #expect(throws: PlugboardError.self) { try await registry.deploy("counted", bytes: [0, 1, 2]) }
        let refused = try metrics.expectCounter("plugboard_reloads_total", [("plugin", "counted"), ("outcome", "refused")])
        #expect(refused.totalValue == 1)
    }

    @Test func aVersionThatFailsToLoadIsRefusedAndTheOldOneKeepsServing() async throws {
        let registry = Self.registry()
        let events = registry.rolloutEvents()
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "steady")
        let error = try await #require(throws: PlugboardError.self) {
            try await registry.deploy("steady", bytes: Array("(module (func (export \"x\") (i32.add)))".utf8))
        }
        #expect(error.plugin == "steady")
        #expect(try await registry.process("steady", Self.request("x")).value.output == "1.0.0:x")
        for await event in events where event.kind == .reloadRefused {
            #expect(event.detail?.contains("steady") == true)
            break
        }
    }
}


/// Swapping versions while calls run, and plugins that fail to load.
@Suite struct RegistryLifecycleTests {
    /// The old call waits at a gate the test opens (not a loop timed to outlast the test's steps: on a loaded machine
    /// such a call once ended before the test saw it in flight).
    @Test func aCallInFlightFinishesOnTheOldVersionWhichIsListedAsDrainingUntilThen() async throws {
        let gate = GatedHostAPI()
        let registry = PluginRegistry(configuration: .init(host: .init(hostFunctions: gate.hostFunctions())))
        try await registry.load(
            bytes: VersionedGuest.bytes(version: "1.0.0", behavior: .waitForGate), name: "slow",
            options: .init(limits: PluginLimits(timeout: nil)))  // however loaded the machine, the call is not cut short
        let inFlight = Task { try await registry.process("slow", ProcessRequest(input: "old")) }
        // Wait until the call holds an instance: it keeps it until the gate opens.
        #expect(try await eventually(within: 30, every: .milliseconds(5)) { try await registry.poolStatistics("slow").busy > 0 })
        try await registry.deploy("slow", bytes: VersionedGuest.bytes(version: "2.0.0"))
        let during = try await registry.summary("slow")
        #expect(during.stable.version == "2.0.0")
        #expect(during.draining.map(\.version) == ["1.0.0"])
        // New calls go to the new version at once; the old call completes where it started.
        #expect(try await registry.process("slow", ProcessRequest(input: "new")).value.output == "2.0.0:new")
        #expect(try await registry.summary("slow").draining.map(\.version) == ["1.0.0"])
        gate.open()
        let old = try await inFlight.value
        #expect(old.version == "1.0.0")
        #expect(old.value.output == "1.0.0:old")
        #expect(try await eventually(within: 30, every: .milliseconds(5)) { try await registry.summary("slow").draining.isEmpty })
        await registry.shutdown()
    }

    @Test func aBrokenPluginInADirectoryIsListedAsFailedWhileTheOthersLoad() async throws {
        let directory = NSTemporaryDirectory() + "plugboard-failed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(VersionedGuest.bytes(version: "1.0.0")).write(to: URL(fileURLWithPath: directory + "/good.wat"))
        try Data("(module (func (export \"oops\"".utf8).write(to: URL(fileURLWithPath: directory + "/bad.wat"))
        let registry = PluginRegistry(configuration: .init(reloadDebounce: .milliseconds(20)))
        let failures = await registry.loadDirectory(directory)
        #expect(failures.keys.sorted() == [directory + "/bad.wat"])
        #expect(await registry.names == ["good"])
        let failed = await registry.failedPlugins
        #expect(failed.map(\.name) == ["bad"])
        #expect(failed.first?.error.code == .invalidModule)
        #expect(failed.first?.error.plugin == "bad")
        // Fixing the file loads it and clears the failure.
        try await registry.startWatching([directory])
        var events = registry.rolloutEvents().makeAsyncIterator()
        try Data(VersionedGuest.bytes(version: "1.0.0")).write(to: URL(fileURLWithPath: directory + "/bad.wat"))
        while let event = await events.next(), !(event.plugin == "bad" && event.kind == .loaded) {}
        #expect(await registry.names == ["bad", "good"])
        #expect(await registry.failedPlugins.isEmpty)
        await registry.shutdown()
    }
}
