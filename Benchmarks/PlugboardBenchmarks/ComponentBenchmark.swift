import Foundation
import Plugboard
import PlugboardTesting

/// A component against the same plugin as a core module, side by side in one run: the freestanding C example and
/// the WAT example, each as its core module and as the component `wasm-tools component new` makes of it (built
/// now, from source, as the tests build them). Reports the typed 1 KiB `process` round trip, a load from bytes
/// (parse, plan, compile, link, instantiate, `get-metadata`) and an instantiation of the already loaded plugin.
struct ComponentBenchmark {
    let benchmark: ProcessBenchmark
    /// Loads and instantiations per run (they cost milliseconds, not microseconds).
    let instantiations: Int

    func run() async throws {
        print("components vs core modules (issue 13; the C example built freestanding): \(benchmark.iterations) calls / \(instantiations) loads × 7 runs, median")
        let request = benchmark.request
        let pairs: [(label: String, core: [UInt8], component: [UInt8])] = [
            ("C", try await ExampleBuild.cFreestandingModule.bytes(), try await ExampleBuild.cFreestandingComponent.bytes()),
            ("WAT", try PluginBinary(contentsOf: benchmark.root + "/examples/plugins/text-transform-wat/plugin.wat").bytes,
                try await ExampleBuild.watComponent.bytes()),
        ]
        for pair in pairs {
            var typed: [Double] = []
            var loads: [Double] = []
            var instantiation: [Double] = []
            for (kind, bytes) in [("core module", pair.core), ("component", pair.component)] {
                let host = PluginHost()
                let plugin = try await host.load(bytes: bytes, name: "bench")
                try await plugin.initialize(config: [("prefix", ">> ")])
                let check = try await plugin.process(request)
                precondition(check.output == nativeProcess(request, prefix: ">> ").output, "\(pair.label) \(kind) answers differently")
                typed.append(try await benchmark.measureAsync { _ = try await plugin.process(request) })
                benchmark.row("typed process 1 KiB, \(pair.label) \(kind)", typed.last!)

                let fresh = try await benchmark.freshInstanceCost(of: plugin, iterations: instantiations)
                instantiation.append(fresh.withCall - fresh.call)
                benchmark.row("  instantiate (fresh instance + call - call)", instantiation.last!)

                loads.append(try await benchmark.loadAndUnloadCost(bytes, iterations: instantiations))
                benchmark.row("  load from bytes (parse … get-metadata)", loads.last!)
                try await host.unload("bench")
            }
            print(
                String(
                    format: "  %@: component / core module = %4.2f× typed process (goal ≤ 1.2×), %4.2f× instantiation, %4.2f× load",
                    pair.label, typed[1] / typed[0], instantiation[1] / instantiation[0], loads[1] / loads[0]))
        }
    }
}
