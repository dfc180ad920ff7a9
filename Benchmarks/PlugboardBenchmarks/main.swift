// Measures the typed `process` round trip against baselines run side by side in the same process:
// a native Swift function doing the same work, an empty call straight into WasmKit, and an empty call to an
// actor (the hop every call to a `Plugin` pays).
//
//     swift run -c release plugboard-benchmarks [iterations] [process|engines|components|python|registry|http]
//     (profiling groups, named only: fixed, fixed-1kib, instantiate, load; PLUGBOARD_ENGINE picks their engine)
//
// Reports the median of 7 runs per case, in nanoseconds per call, and ratios to the baselines; then the overhead
// of the deadline (fuel-metered engine plus a timer) and of a fuel budget on compute guests (InterruptionBenchmark);
// then WasmKit beside Wasmtime, native Swift, Extism's and wasmtime-py's Python SDKs on the same work (EngineBenchmark);
// then components against the same plugins as core modules (ComponentBenchmark); then the Python plugin beside the C one (PythonBenchmark); then hot reload latency, memory over reloads and pool throughput (RegistryBenchmark); then HTTP requests/s through
// `plugboard serve` against a bare Hummingbird route (HTTPBenchmark, needs wrk). Naming a group runs only it.
import Foundation
import Plugboard
import WAT
import WasmKit
import PlugboardHTTPFetch

let arguments = CommandLine.arguments.dropFirst()
let iterations = arguments.compactMap { Int($0) }.first ?? 20_000
let groups = Set(arguments.filter { Int($0) == nil })
do {
    if groups.isEmpty || groups.contains("process") { try await ProcessBenchmark(iterations: iterations).report() }
    // The C example's `process` with an empty input, alone (for profiling the fixed cost of a call).
    if groups.contains("fixed") { try await ProcessBenchmark(iterations: iterations).reportFixedCost() }
    // The same with the 1 KiB input of `process` (for profiling what the input's size adds).
    if groups.contains("fixed-1kib") { try await ProcessBenchmark(iterations: iterations).reportFixedCost(oneKiB: true) }
    // A fresh instance per call: the old one retired, a new one instantiated and initialized (for profiling instantiation).
    if groups.contains("instantiate") { try await ProcessBenchmark(iterations: iterations).reportInstantiation() }
    // A whole plugin load from bytes and its unload (for profiling loading; Wasmtime compiles from its disk cache).
    if groups.contains("load") { try await ProcessBenchmark(iterations: iterations).reportLoad() }
    if groups.isEmpty || groups.contains("engines") { try await EngineBenchmark(benchmark: ProcessBenchmark(iterations: iterations)).run() }
    if groups.isEmpty || groups.contains("components") {
        try await ComponentBenchmark(benchmark: ProcessBenchmark(iterations: iterations), instantiations: max(20, iterations / 100)).run()
    }
    if groups.isEmpty || groups.contains("python") {
        try await PythonBenchmark(benchmark: ProcessBenchmark(iterations: max(100, iterations / 100)), loads: 3).run()
    }
    if groups.isEmpty || groups.contains("registry") { try await RegistryBenchmark(reloads: 200).run() }
    if groups.isEmpty || groups.contains("http") {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        try await HTTPBenchmark(root: root, seconds: 5, connections: 16).run()
    }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}

struct ProcessBenchmark {
    let iterations: Int
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let request = ProcessRequest(input: String(repeating: "plugboard ", count: 102) + "xxxx", options: [("mode", "uppercase")])

    func report() async throws {
        precondition(request.input.utf8.count == 1024)
        print("plugboard-benchmarks: \(iterations) calls × 7 runs, median ns/call, 1 KiB input, WasmKit 0.4.2")
        var sink = 0
        let native = measure { sink &+= nativeProcess(request, prefix: ">> ").output.utf8.count }
        row("native Swift process (baseline)", native)

        let engine = WasmKit.Engine()
        let store = Store(engine: engine)
        let nopInstance = try parseWasm(bytes: try wat2wasm(#"(module (func (export "nop")))"#)).instantiate(store: store)
        let nop = nopInstance.exports[function: "nop"]!
        let emptyCall = try measure { _ = try nop.invoke([]) }
        row("empty WasmKit call nop() (baseline)", emptyCall)

        let actor = EmptyActor()
        let actorHop = await measureAsync { await actor.touch() }
        row("empty actor call (baseline)", actorHop)

        var c: (typed: Double, empty: Double, dynamic: Double, dynamicEmpty: Double)?
        for (label, path) in [("C", "examples/plugins/text-transform-c/plugin.wasm"), ("WAT", "examples/plugins/text-transform-wat/plugin.wat")] {
            let host = PluginHost()
            let plugin = try await host.load(path: root + "/" + path)
            try await plugin.initialize(config: [("prefix", ">> ")])
            let check = try await plugin.process(request)
            precondition(check.output == nativeProcess(request, prefix: ">> ").output, "plugin output differs from the native baseline")
            let typed = try await measureAsync { _ = try await plugin.process(request) }
            row("typed process round trip, \(label) plugin", typed,
                String(format: "   %5.1f× native   %5.1f× empty WasmKit call", typed / native, typed / emptyCall))
            // The fixed cost of a call (lowering, 3 host calls, lifting) without the guest's per-byte work.
            let empty = ProcessRequest(input: "", options: request.options)
            let fixed = try await measureAsync { _ = try await plugin.process(empty) }
            row("  same, empty input (fixed cost per call)", fixed, String(format: "   %5.1f× empty WasmKit call", fixed / emptyCall))
            // The call path typed calls took before they lowered and lifted directly: Swift values converted to a
            // WITValue tree and back around a dynamic call (still how dynamic calls work).
            let dynamic = try await measureAsync { _ = try ProcessResponse(witValue: try await plugin.call("process", arguments: [request.witValue])[0]) }
            row("  same through WITValue (dynamic call)", dynamic, String(format: "   typed = %4.2f× this", typed / dynamic))
            let dynamicEmpty = try await measureAsync { _ = try ProcessResponse(witValue: try await plugin.call("process", arguments: [empty.witValue])[0]) }
            row("  same, empty input, through WITValue", dynamicEmpty, String(format: "   typed = %4.2f× this", fixed / dynamicEmpty))
            if label == "C" { c = (typed, fixed, dynamic, dynamicEmpty) }
        }
        if let c {
            print("goals (issue 12), C example, same run:")
            print(String(format: "  empty-input typed process = %5.1f× an empty WasmKit call (goal ≤ 6×)", c.empty / emptyCall))
            print(String(format: "  1 KiB typed process = %4.2f× the WITValue path (goal ≤ 0.67×); empty input %4.2f×", c.typed / c.dynamic, c.empty / c.dynamicEmpty))
            try reportExtism(typed: c.typed, empty: c.empty)
        }
        if sink == 42 { print("") }
        try await InterruptionBenchmark(benchmark: self).run()
    }

    /// Times Extism's Python SDK on the same work (Benchmarks/extism/bench.py, needs scripts/setup-extism) now, in
    /// this run, and prints Plugboard's ratio to it.
    func reportExtism(typed: Double, empty: Double) throws {
        switch try PythonPeer.extism.run(root: root, calls: iterations) {
        case .failure(let unavailable):
            print("  extism: \(unavailable.reason)")
        case .success(let extism):
            print(String(format: "  Extism Python SDK (Wasmtime JIT), same work: 1 KiB %.1f µs, empty %.1f µs", extism.process1KiB, extism.processEmpty))
            print(String(format: "  1 KiB typed process = %4.2f× Extism (goal < 1×); empty input %4.2f×", typed / 1000 / extism.process1KiB, empty / 1000 / extism.processEmpty))
        }
    }

    /// The C example, loaded and initialized with the prefix every row uses.
    func loadedCExample() async throws -> Plugin {
        let plugin = try await PluginHost().load(path: root + "/examples/plugins/text-transform-c/plugin.wasm")
        try await plugin.initialize(config: [("prefix", ">> ")])
        return plugin
    }

    func reportFixedCost(oneKiB: Bool = false) async throws {
        let plugin = try await loadedCExample()
        let input = oneKiB ? request : ProcessRequest(input: "", options: request.options)
        let fixed = try await measureAsync { _ = try await plugin.process(input) }
        row(oneKiB ? "typed process, C plugin, 1 KiB input" : "typed process, C plugin, empty input", fixed)
        print("  pool: \(plugin.poolStatistics), replacements: \(plugin.instanceReplacements), last guest duration: \(plugin.lastCallDuration.map { "\($0)" } ?? "-")")
    }

    func reportInstantiation() async throws {
        let cost = try await freshInstanceCost(of: try await loadedCExample())
        row("C plugin, fresh instance + call", cost.withCall, String(format: "   %.0f ns without the call", cost.withCall - cost.call))
    }

    func reportLoad() async throws {
        let bytes = try PluginBinary(contentsOf: root + "/examples/plugins/text-transform-c/plugin.wasm").bytes
        row("C plugin, load from bytes + unload", try await loadAndUnloadCost(bytes))
    }

    /// Nanoseconds per fresh instance of `plugin` with a call (every instance retired, a new one made and
    /// initialized, `process` with an empty input), and per such call alone.
    func freshInstanceCost(of plugin: Plugin, iterations: Int? = nil) async throws -> (withCall: Double, call: Double) {
        let empty = ProcessRequest(input: "", options: request.options)
        let call = try await measureAsync(iterations: iterations) { _ = try await plugin.process(empty) }
        let withCall = try await measureAsync(iterations: iterations) {
            await plugin.recycleInstances()
            _ = try await plugin.process(empty)
        }
        return (withCall, call)
    }

    /// Nanoseconds per load of `bytes` (parse … `get-metadata`) into a host of its own, and unload.
    func loadAndUnloadCost(_ bytes: [UInt8], iterations: Int? = nil) async throws -> Double {
        let host = PluginHost()
        return try await measureAsync(iterations: iterations) {
            _ = try await host.load(bytes: bytes, name: "load")
            try await host.unload("load")
        }
    }

    /// Runs `body` `iterations` times, 7 times over, and returns the median nanoseconds per call.
    func measure(_ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<max(1, iterations / 10) { try body() }
        var samples: [Double] = []
        for _ in 0..<7 {
            let start = ContinuousClock.now
            for _ in 0..<iterations { try body() }
            samples.append(nanoseconds(ContinuousClock.now - start))
        }
        return samples.sorted()[3]
    }

    func measureAsync(iterations: Int? = nil, _ body: () async throws -> Void) async rethrows -> Double {
        let iterations = iterations ?? self.iterations
        for _ in 0..<max(1, iterations / 10) { try await body() }
        var samples: [Double] = []
        for _ in 0..<7 {
            let start = ContinuousClock.now
            for _ in 0..<iterations { try await body() }
            samples.append(nanoseconds(ContinuousClock.now - start, iterations: iterations))
        }
        return samples.sorted()[3]
    }

    func nanoseconds(_ duration: Duration, iterations: Int? = nil) -> Double {
        (Double(duration.components.seconds) * 1e18 + Double(duration.components.attoseconds)) / 1e9 / Double(iterations ?? self.iterations)
    }

    func row(_ label: String, _ nanoseconds: Double, _ extra: String = "") {
        print(label.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%10.0f ns", nanoseconds) + extra)
    }
}

actor EmptyActor {
    func touch() {}
}

/// The same work as the example plugins' `process` in uppercase mode, in Swift.
@inline(never)
func nativeProcess(_ request: ProcessRequest, prefix: String) -> ProcessResponse {
    var mode = "uppercase"
    for (key, value) in request.options where key == "mode" { mode = value }
    guard mode == "uppercase" else { return ProcessResponse(output: "", success: false, errorMessage: "unknown mode: \(mode)") }
    let bytes = request.input.utf8.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
    return ProcessResponse(output: prefix + String(decoding: bytes, as: UTF8.self), success: true)
}
