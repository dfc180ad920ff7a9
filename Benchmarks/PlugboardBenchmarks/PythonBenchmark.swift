import Foundation
import Plugboard
import PlugboardTesting

/// The Python example (componentize-py: CPython and the app in one 18 MB component importing WASI 0.2) beside the
/// C example as the same kind of component (the committed wasi-libc module through the WASI adapter) and as its
/// core-module twin, in one run: a cold load from bytes (parse, plan, compile, link, instantiate, `get-metadata`),
/// a load whose compiled binary is in the registry's module cache, a fresh instance, and the typed 1 KiB `process`.
struct PythonBenchmark {
    let benchmark: ProcessBenchmark
    let loads: Int

    func run() async throws {
        print("Python plugin (issue 14): \(loads) loads / \(benchmark.iterations) calls × 7 runs, median")
        let request = benchmark.request
        let plugins: [(label: String, bytes: [UInt8])] = [
            ("C core module (wasip1)", try PluginBinary(contentsOf: benchmark.root + "/examples/plugins/text-transform-c/plugin.wasm").bytes),
            ("C component (WASI 0.2 adapter)", try await ExampleBuild.cWASIComponent.bytes()),
            ("Python component", try await ExampleBuild.python.bytes()),
        ]
        var processTimes: [Double] = []
        for (label, bytes) in plugins {
            print("  \(label): \(bytes.count) bytes")
            let cold = try await benchmark.measureAsync(iterations: loads) {
                let host = PluginHost()
                _ = try await host.load(bytes: bytes, name: "cold")
                try await host.unload("cold")
            }
            benchmark.row("    cold load from bytes", cold)
            let registry = PluginRegistry()
            _ = try await registry.load(bytes: bytes, name: "warm-up")
            let cached = try await benchmark.measureAsync(iterations: loads) {
                _ = try await registry.load(bytes: bytes, name: "cached")
                try await registry.unload("cached")
            }
            benchmark.row("    load with the compiled binary cached", cached)
            await registry.shutdown()

            let host = PluginHost()
            let plugin = try await host.load(bytes: bytes, name: "bench")
            try await plugin.initialize(config: [("prefix", ">> ")])
            let check = try await plugin.process(request)
            precondition(check.output == nativeProcess(request, prefix: ">> ").output, "\(label) answers differently")
            let empty = ProcessRequest(input: "", options: request.options)
            let call = try await benchmark.measureAsync(iterations: loads) { _ = try await plugin.process(empty) }
            let recycled = try await benchmark.measureAsync(iterations: loads) {
                await plugin.recycleInstances()
                _ = try await plugin.process(empty)
            }
            benchmark.row("    instantiate (fresh instance + call - call)", recycled - call)
            let typed = try await benchmark.measureAsync { _ = try await plugin.process(request) }
            processTimes.append(typed)
            benchmark.row("    typed process 1 KiB", typed)
            try await host.unload("bench")
        }
        print(String(format: "  C component / C core module = %4.2f× typed process; Python / C core module = %4.1f×", processTimes[1] / processTimes[0], processTimes[2] / processTimes[0]))
    }
}
