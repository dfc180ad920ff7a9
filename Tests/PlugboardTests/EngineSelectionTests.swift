import Foundation
import Plugboard
import PlugboardTesting
import Testing

/// Choosing the engine per plugin: WasmKit or Wasmtime by manifest, load options or host default, the same plugin
/// answering the same on both, the limits holding on Wasmtime, and a canary on Wasmtime beside a stable version on
/// WasmKit. (Every engine-facing suite also runs a second time with `PLUGBOARD_ENGINE=wasmtime`: see scripts/test.)
@Suite struct EngineSelectionTests {
    static let request = ProcessRequest(input: "hello engines", options: [("mode", "uppercase")])

    @Test func thePluginsLoadOptionsPickItsEngineAndBothAnswerTheSame() async throws {
        let host = PluginHost(configuration: .init(engine: WasmKitEngine()))
        let interpreted = try await host.load(path: Repository.cPlugin, options: .init(name: "on-wasmkit", engine: .wasmkit))
        let compiled = try await host.load(path: Repository.cPlugin, options: .init(name: "on-wasmtime", engine: .wasmtime))
        #expect(interpreted.engineName == "WasmKit 0.4.2" && interpreted.engineLabel == "wasmkit")
        #expect(compiled.engineName == "Wasmtime 50.0.1" && compiled.engineLabel == "wasmtime")
        for plugin in [interpreted, compiled] {
            try await plugin.initialize(config: [("prefix", ">> ")])
            #expect(try await plugin.process(Self.request).output == ">> HELLO ENGINES")
        }
    }

    @Test func aManifestsEngineKeyPicksWasmtime() async throws {
        try await withDirectory { directory in
            try FileManager.default.copyItem(atPath: Repository.cPlugin, toPath: directory.appendingPathComponent("plugin.wasm").path)
            try "name = \"chosen\"\nengine = \"wasmtime\"\n".write(to: directory.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
            let manifest = try PluginManifest(path: directory.appendingPathComponent("plugin.toml").path)
            #expect(manifest.engine == .wasmtime)
            let plugin = try await PluginHost(configuration: .init(engine: WasmKitEngine())).load(path: directory.path)
            #expect(plugin.engineLabel == "wasmtime")
            #expect(try await plugin.process(Self.request).output == "HELLO ENGINES")

            try "engine = \"v8\"\n".write(to: directory.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
            let error = try #require(throws: PlugboardError.self) { try PluginManifest(path: directory.appendingPathComponent("plugin.toml").path) }
            #expect(error.description.contains("must be one of: wasmkit, wasmtime; got 'v8'"), "\(error)")
        }
    }

    @Test func aMissingLibraryIsAnErrorNamingWhatToInstall() throws {
        let error = try #require(throws: PlugboardError.self) {
            try WasmtimeEngine(configuration: .init(libraryPath: "/nonexistent/_libwasmtime.so"))
        }
        #expect(error.code == .engineUnavailable)
        #expect(error.message.contains("/nonexistent/_libwasmtime.so"))
        #expect(error.hint?.contains("pip install wasmtime==50.0.1") == true)
        #expect(error.hint?.contains("PLUGBOARD_WASMTIME_LIB") == true)
    }

    /// The deadline and `Task.cancel()` stop a spinning guest by epoch interruption, and memory stays under the quota
    /// (growth past it answers -1); each time the plugin answers its next call on a fresh instance.
    @Test func theDeadlineCancellationAndTheMemoryCapHoldOnWasmtime() async throws {
        let host = PluginHost(configuration: .init(engine: try WasmtimeEngine()))
        let spinning = VersionedGuest.bytes(version: "1.0.0", behavior: .spin(iterations: 4_000_000_000))
        let looping = try await host.load(bytes: spinning, name: "looping", options: .init(limits: PluginLimits(timeout: .milliseconds(200))))
        let timedOut = try await #require(throws: PlugboardError.self) { try await looping.process(ProcessRequest(input: "x")) }
        #expect(timedOut.code == .timeout, "\(timedOut)")
        #expect(try await looping.metadata().version == "1.0.0", "the next call runs on a fresh instance")

        let patient = try await host.load(bytes: spinning, name: "patient", options: .init(limits: PluginLimits(timeout: .seconds(60))))
        let call = Task { try await patient.process(ProcessRequest(input: "x")) }
        try await Task.sleep(for: .milliseconds(100))
        call.cancel()
        let stopped = try await #require(throws: PlugboardError.self) { try await call.value }
        #expect(stopped.code == .cancelled, "\(stopped)")

        let world = try WITPackage.parse("package test:grow; world grow { export grow: func() -> u32; }").world(named: "grow")
        let growing = PluginHost(configuration: .init(engine: try WasmtimeEngine(), world: world, hostFunctions: []))
        let grower = try await growing.load(bytes: Array(Self.grower.utf8), name: "grower", options: .init(limits: PluginLimits(maxMemoryBytes: 4 << 20)))
        // 1 page to start, then 16 at a time: 49 pages, and the step to 65 (over 4 MiB) answers -1.
        #expect(try await grower.call("grow", arguments: []) == [.u32(49)])
    }

    /// A trap names the guest functions it happened in, innermost first, on either engine (by index: this module has
    /// no name section).
    @Test(arguments: PluginEngine.allCases)
    func aTrapNamesTheGuestFunctions(engine: PluginEngine) async throws {
        let world = try WITPackage.parse("package test:trap; world trap { export run: func(); }").world(named: "trap")
        let host = PluginHost(configuration: .init(engine: try engine.makeEngine(), world: world, hostFunctions: []))
        let plugin = try await host.load(
            bytes: Array(#"(module (func $inner (unreachable)) (func $outer (call $inner)) (export "run" (func $outer)))"#.utf8), name: "trapping")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("run", arguments: []) }
        #expect(error.message.contains("unreachable executed in guest function 'wasm function[0]'"), "\(error)")
        #expect(error.backtrace.prefix(2) == ["wasm function[0]", "wasm function[1]"], "\(error.backtrace)")
    }

    static let grower = """
        (module
          (memory (export "memory") 1)
          (func (export "grow") (result i32)
            (block $done (loop $more
              (br_if $done (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
              (br $more)))
            (memory.size)))
        """

    /// A canary on Wasmtime while the stable version runs on WasmKit: both serve, each on its engine, and promoting
    /// moves the plugin to Wasmtime.
    @Test func aCanaryOnWasmtimeBesideAStableVersionOnWasmKit() async throws {
        try await withDirectory { directory in
            let registry = PluginRegistry(configuration: .init(host: .init(engine: WasmKitEngine())))
            _ = try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "split")
            let canary = directory.appendingPathComponent("split")
            try FileManager.default.createDirectory(at: canary, withIntermediateDirectories: true)
            try Data(VersionedGuest.bytes(version: "2.0.0")).write(to: canary.appendingPathComponent("plugin.wasm"))
            try "name = \"split\"\nengine = \"wasmtime\"\n".write(to: canary.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
            let summary = try await registry.deploy("split", path: canary.path, canaryPercent: 50)
            #expect(summary.stable.engine == "wasmkit")
            #expect(summary.canary?.engine == "wasmtime")
            var served: [String: String] = [:]
            for key in 0..<64 {
                let response = try await registry.process("split", ProcessRequest(input: "k"), key: "user-\(key)")
                served[response.version] = response.value.output
            }
            #expect(served == ["1.0.0": "1.0.0:k", "2.0.0": "2.0.0:k"])
            try await registry.promote("split")
            #expect(try await registry.summary("split").stable.engine == "wasmtime")
            await registry.shutdown()
        }
    }

    private func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-engines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }
}
