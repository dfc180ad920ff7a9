// Measures the typed `process` round trip against baselines run side by side in the same process:
// a native Swift function doing the same work, and an empty call straight into WasmKit.
//
//     swift run -c release plugboard-benchmarks [iterations]
//
// Reports the median of 7 runs per case, in nanoseconds per call, and ratios to the baselines.
import Foundation
import Plugboard
import WAT
import WasmKit

let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20_000
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let input = String(repeating: "plugboard ", count: 102) + "xxxx"  // 1,024 bytes
precondition(input.utf8.count == 1024)
let request = ProcessRequest(input: input, options: [.init("mode", "uppercase")])

/// Runs `body` `iterations` times, 7 times over, and returns the median nanoseconds per call.
func measure(_ body: () async throws -> Void) async rethrows -> Double {
    for _ in 0..<max(1, iterations / 10) { try await body() }
    var samples: [Double] = []
    for _ in 0..<7 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try await body() }
        let elapsed = ContinuousClock.now - start
        samples.append(Double(elapsed.components.seconds) * 1e9 / Double(iterations) + Double(elapsed.components.attoseconds) / 1e9 / Double(iterations))
    }
    return samples.sorted()[3]
}

/// The same work as the example plugins' `process` in uppercase mode, in Swift.
@inline(never)
func nativeProcess(_ request: ProcessRequest, prefix: String) -> ProcessResponse {
    var mode = "uppercase"
    for option in request.options where option.key == "mode" { mode = option.value }
    guard mode == "uppercase" else { return ProcessResponse(output: "", success: false, errorMessage: "unknown mode: \(mode)") }
    let bytes = request.input.utf8.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
    return ProcessResponse(output: prefix + String(decoding: bytes, as: UTF8.self), success: true)
}

// Baseline 1: native Swift.
var sink = 0
let native = await measure {
    sink &+= nativeProcess(request, prefix: ">> ").output.utf8.count
}

// Baseline 2: an empty call into WasmKit, with no Plugboard in between.
let engine = WasmKit.Engine()
let store = Store(engine: engine)
let nopModule = try parseWasm(bytes: try wat2wasm(#"(module (func (export "nop")))"#))
let nopInstance = try nopModule.instantiate(store: store)
let nop = nopInstance.exports[function: "nop"]!
let emptyCall = try await measure { _ = try nop.invoke([]) }

print("plugboard-benchmarks: \(iterations) calls × 7 runs, median ns/call, 1 KiB input, WasmKit 0.4.2")
func row(_ label: String, _ nanoseconds: Double, _ extra: String = "") {
    print(label.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%10.0f ns", nanoseconds) + extra)
}
row("native Swift process (baseline)", native)
row("empty WasmKit call nop() (baseline)", emptyCall)

for (label, path) in [("C", "examples/plugins/text-transform-c/plugin.wasm"), ("WAT", "examples/plugins/text-transform-wat/plugin.wat")] {
    let host = PluginHost()
    let plugin = try await host.load(path: root + "/" + path)
    try await plugin.initialize(config: [("prefix", ">> ")])
    let check = try await plugin.process(request)
    precondition(check.output == nativeProcess(request, prefix: ">> ").output, "plugin output differs from the native baseline")
    let typed = try await measure { _ = try await plugin.process(request) }
    row("typed process round trip, \(label) plugin", typed, String(format: "   %6.1f× native   %6.1f× empty call", typed / native, typed / emptyCall))
}
if sink == 42 { print("") }
