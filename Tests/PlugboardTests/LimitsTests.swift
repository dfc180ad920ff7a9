import Foundation
import Plugboard
import PlugboardTesting
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// Per-plugin limits (``PluginLimits``): memory quota, fuel per call, interpreter stack, output size. Every
/// case runs `Fixtures/limits/limits.wat` (process picks what to exhaust by its input) next to the well-behaved
/// WAT example, which must keep answering; after a limit trap the limited plugin answers its next call on a
/// fresh instance.
@Suite struct LimitsTests {
    struct Bench {
        let host = PluginHost()
        let good: Plugin

        init() async throws {
            good = try await host.load(path: Repository.watPlugin)
        }

        func load(_ limits: PluginLimits, fixture: String = "limits") async throws -> Plugin {
            try await host.load(path: LimitsTests.fixture(fixture), options: .init(limits: limits))
        }

        func expectGoodPluginStillWorks(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let response = try await good.process(ProcessRequest(input: "still here", options: [("mode", "uppercase")]))
            #expect(response == ProcessResponse(output: "STILL HERE", success: true), sourceLocation: sourceLocation)
        }
    }

    static func fixture(_ name: String) -> String {
        Repository.path("Tests/PlugboardTests/Fixtures/limits/\(name).wat")
    }

    static let processExport = "plugboard:plugin/plugin-api@1.0.0#process"

    static func output(_ plugin: Plugin, _ input: String) async throws -> String {
        try await plugin.process(ProcessRequest(input: input, options: [])).output
    }

    // MARK: memory

    @Test func aPluginGrowingMemoryInALoopStopsAtItsQuotaAndSeesGrowFail() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load(PluginLimits(maxMemoryBytes: 2 << 20))
        // 2 MiB = 32 pages of 64 KiB: memory.grow returned -1 past that, and the plugin reported what it got.
        #expect(try await Self.output(plugin, "grow") == "pages=32")
        try await bench.expectGoodPluginStillWorks()
        #expect(try await Self.output(plugin, "after") == "after")
    }

    @Test func aModuleWhoseInitialMemoryExceedsTheQuotaIsRefusedWithTheNumbers() async throws {
        let bench = try await Bench()
        let error = try await #require(throws: PlugboardError.self) {
            try await bench.load(PluginLimits(maxMemoryBytes: 32 << 20), fixture: "big-initial-memory")
        }
        #expect(error.code == .memoryLimitExceeded)
        #expect(error.plugin == "big-initial-memory")
        #expect(
            error.message
                == "resource limit exceeded: memory: the module asks for 65536000 bytes (62 MiB) of initial linear memory (1000 pages) but its quota is 32 MiB")
        #expect(
            error.hint
                == "Raise PluginLimits.maxMemoryBytes (PluginHost.LoadOptions.limits, `max-memory-mb` under [limits] in plugin.toml, or `plugboard run --max-memory-mb N`), or build the plugin with a smaller initial memory")
        #expect(error.isGuestFault)
        try await bench.expectGoodPluginStillWorks()
    }

    /// The plugin's allocator traps when memory.grow fails: the call is reported as the memory limit, with the size
    /// asked for, not as an anonymous trap, and the plugin answers its next call on a fresh instance.
    @Test func aTrapAfterADeniedGrowIsReportedAsTheMemoryLimit() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load(PluginLimits(maxMemoryBytes: 2 << 20))
        let big = String(repeating: "x", count: 3 << 20)
        let error = try await #require(throws: PlugboardError.self) { try await Self.output(plugin, big) }
        #expect(error.plugin == "limits@1.0.0")
        #expect(error.message.contains("unreachable"))
        #expect(error.code == .memoryLimitExceeded)
        #expect(error.message.hasPrefix("resource limit exceeded: memory: the plugin asked to grow its linear memory to"))
        #expect(error.message.contains("but its quota is 2 MiB"))
        #expect(error.hint?.contains("--max-memory-mb N") == true)
        try await bench.expectGoodPluginStillWorks()
        #expect(try await Self.output(plugin, "after") == "after")
        #expect(await plugin.instanceReplacements == 1)
    }

    // MARK: fuel

    @Test func anInfiniteLoopRunsOutOfFuelAndTheNextCallWorksOnAFreshInstance() async throws {
        let bench = try await Bench()
        // No deadline: however loaded the machine, fuel is what stops the loop.
        let plugin = try await bench.load(PluginLimits(fuelPerCall: 10_000_000, timeout: nil))
        #expect(try await Self.output(plugin, "count") == "calls=1")
        let error = try await #require(throws: PlugboardError.self) { try await Self.output(plugin, "spin") }
        #expect(error.code == .fuelExhausted)
        #expect(error.plugin == "limits@1.0.0")
        #expect(error.function == Self.processExport)
        #expect(error.message.contains("budget of 10000000 fuel units"))
        #expect(error.hint?.contains("PluginLimits.fuelPerCall") == true)
        #expect(error.hint?.contains("--fuel N") == true)
        #expect(await plugin.lastCallFuelUsed == 10_000_000)
        try await bench.expectGoodPluginStillWorks()
        // A fresh instance: the call counter started again (state loss), and the plugin answers.
        #expect(try await Self.output(plugin, "count") == "calls=1")
        #expect(await plugin.instanceReplacements == 1)
        let used = try #require(await plugin.lastCallFuelUsed)
        #expect(used > 0 && used < 100_000)
    }

    @Test func withoutABudgetNoFuelIsMeteredOrReported() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load(PluginLimits())
        #expect(try await Self.output(plugin, "count") == "calls=1")
        #expect(await plugin.lastCallFuelUsed == nil)
    }

    // MARK: stack

    @Test func deepRecursionOnA64KiBStackIsAStackOverflowNamingThatLimit() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load(PluginLimits(stackBytes: 64 << 10))
        #expect(try await Self.output(plugin, "count") == "calls=1")
        let error = try await #require(throws: PlugboardError.self) { try await Self.output(plugin, "recurse") }
        #expect(error.code == .stackOverflow)
        #expect(error.plugin == "limits@1.0.0")
        #expect(error.message.contains("64 KiB"))
        #expect(error.hint?.contains("PluginLimits.stackBytes") == true)
        try await bench.expectGoodPluginStillWorks()
        #expect(try await Self.output(plugin, "count") == "calls=1")
    }

    /// A C plugin that leaks until malloc fails and then aborts, as real plugins end: the abort's trap is reported
    /// as the memory limit with the numbers, within the deadline.
    @Test func aCPluginLeakingUntilMallocFailsEndsWithTheMemoryLimit() async throws {
        let root = Repository.root
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-bomb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("memory-bomb.wasm").path
        try await WasmCC.compile([root + "/Tests/PlugboardTests/Fixtures/limits/memory-bomb.c"], output: output, repositoryRoot: root)
        let world = try WITPackage.parse("package test:bomb; world bomb { export bomb: func() -> u32; }").world(named: "bomb")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: []))
        let plugin = try await host.load(path: output, options: .init(limits: PluginLimits(maxMemoryBytes: 8 << 20, timeout: .seconds(60))))
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("bomb", arguments: []) }
        print("memory-bomb: \(error) after \(await plugin.lastCallDuration.map { "\($0)" } ?? "?")")
        #expect(error.code == .memoryLimitExceeded)
        #expect(error.message.contains("but its quota is 8 MiB"))
    }

    // MARK: output

    @Test func a100MBOutputClaimOverA1MBLimitFailsWithoutCopying() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load(PluginLimits(maxOutputBytes: 1 << 20))
        // The plugin's memory is one 64 KiB page: the claim is refused from its length, before any bounds check or copy.
        let error = try await #require(throws: PlugboardError.self) { try await Self.output(plugin, "huge") }
        #expect(error.code == .outputLimitExceeded)
        #expect(error.plugin == "limits@1.0.0")
        #expect(error.function == Self.processExport)
        #expect(error.message.contains("a string of 100000000 bytes"))
        #expect(error.message.contains("over its limit of 1 MiB"))
        #expect(error.hint?.contains("PluginLimits.maxOutputBytes") == true)
        try await bench.expectGoodPluginStillWorks()
        #expect(try await Self.output(plugin, "after") == "after")
    }

    @Test func outputWithinTheLimitIsReturned() async throws {
        let bench = try await Bench()
        // get-metadata's strings (name, version, description) are 30 bytes, so it loads with a 30-byte limit.
        let plugin = try await bench.load(PluginLimits(maxOutputBytes: 30))
        let fits = String(repeating: "x", count: 30)
        #expect(try await Self.output(plugin, fits) == fits)
        let error = try await #require(throws: PlugboardError.self) { try await Self.output(plugin, fits + "y") }
        #expect(error.code == .outputLimitExceeded)
        #expect(error.message.contains("a string of 31 bytes"))
        #expect(error.message.contains("over its limit of 30 bytes"))
    }

    // MARK: all at once

    @Test func aWellBehavedPluginKeepsAnsweringWhileALimitedOneHitsEveryLimit() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load(
            // No deadline: however loaded the machine, fuel is what stops the loop.
            PluginLimits(maxMemoryBytes: 2 << 20, fuelPerCall: 10_000_000, stackBytes: 64 << 10, maxOutputBytes: 1 << 20, timeout: nil))
        let expected: [(String, PlugboardError.Code?)] = [
            ("spin", .fuelExhausted), ("recurse", .stackOverflow), ("huge", .outputLimitExceeded), ("grow", nil), ("hello", nil),
        ]
        for (input, code) in expected {
            if let code {
                let error = try await #require(throws: PlugboardError.self) { try await Self.output(plugin, input) }
                #expect(error.code == code)
            } else {
                _ = try await Self.output(plugin, input)
            }
            try await bench.expectGoodPluginStillWorks()
        }
        #expect(try await Self.output(plugin, "grow") == "pages=32")
        #expect(await plugin.instanceReplacements == 3)
    }
}
