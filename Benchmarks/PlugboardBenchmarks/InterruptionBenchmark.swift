import Foundation
import Plugboard
import PlugboardHTTPFetch

/// The cost of making calls stoppable (a deadline or cancellation runs the plugin on WasmKit's fuel-metering
/// engine) and of a fuel budget, on compute-bound guests: the same module loaded with `timeout: nil` (unmetered),
/// with a timeout,
/// and with a fuel budget, called side by side in one process.
struct InterruptionBenchmark {
    let benchmark: ProcessBenchmark

    static let wit = """
        package bench:compute;
        world compute {
            export fib: func(n: u32) -> u32;
            export sieve: func(n: u32) -> u32;
        }
        """

    /// `fib`: naive recursion (call-bound). `sieve`: primes below n with a byte array (loop- and memory-bound).
    static let wat = """
        (module
          (memory (export "memory") 2)
          (func $fib (export "fib") (param $n i32) (result i32)
            (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
              (then (local.get $n))
              (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                             (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
          (func (export "sieve") (param $n i32) (result i32)
            (local $i i32) (local $j i32) (local $count i32)
            (memory.fill (i32.const 0) (i32.const 0) (local.get $n))
            (local.set $i (i32.const 2))
            (block $done
              (loop $outer
                (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
                (if (i32.eqz (i32.load8_u (local.get $i)))
                  (then
                    (local.set $count (i32.add (local.get $count) (i32.const 1)))
                    (local.set $j (i32.mul (local.get $i) (local.get $i)))
                    (block $marked
                      (loop $inner
                        (br_if $marked (i32.ge_u (local.get $j) (local.get $n)))
                        (i32.store8 (local.get $j) (i32.const 1))
                        (local.set $j (i32.add (local.get $j) (local.get $i)))
                        (br $inner)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $outer)))
            (local.get $count)))
        """

    func run() async throws {
        let world = try WITPackage.parse(Self.wit).world(named: "compute")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: []))
        let variants: [(String, PluginLimits)] = [
            ("as is (timeout: nil)", PluginLimits(timeout: nil)),
            ("deadline (metered, timer)", PluginLimits(timeout: .seconds(30))),
            ("fuel metered, no deadline", PluginLimits(fuelPerCall: 1 << 40, timeout: nil)),
            ("deadline + fuel", PluginLimits(fuelPerCall: 1 << 40, timeout: .seconds(30))),
        ]
        var plugins: [(String, Plugin)] = []
        for (index, (label, limits)) in variants.enumerated() {
            plugins.append((label, try await host.load(bytes: Array(Self.wat.utf8), name: "compute-\(index)", options: .init(limits: limits))))
        }
        let calls = max(1, benchmark.iterations / 400)
        print("")
        print("deadline/fuel overhead on compute guests: \(calls) calls × 7 runs, median ns/call")
        for (function, argument, expected) in [("fib", UInt32(20), UInt32(6765)), ("sieve", UInt32(100_000), UInt32(9592))] {
            var baseline = 0.0
            for (label, plugin) in plugins {
                let result = try await plugin.call(function, arguments: [.u32(argument)])
                precondition(result == [.u32(expected)], "\(function)(\(argument)) returned \(result)")
                let time = try await benchmark.measureAsync(iterations: calls) { _ = try await plugin.call(function, arguments: [.u32(argument)]) }
                if baseline == 0 { baseline = time }
                benchmark.row("\(function)(\(argument)), \(label)", time, String(format: "   %+6.1f %% vs as is", (time / baseline - 1) * 100))
            }
        }
        // The example plugin's process (1 KiB uppercase, three host calls), stoppable or not.
        var baseline = 0.0
        for (label, timeout) in [("as is", nil), ("deadline (metered, timer)", Duration.seconds(30))] as [(String, Duration?)] {
            let plugin = try await PluginHost().load(
                path: benchmark.root + "/examples/plugins/text-transform-c/plugin.wasm", options: .init(limits: PluginLimits(timeout: timeout)))
            try await plugin.initialize(config: [("prefix", ">> ")])
            let time = try await benchmark.measureAsync { _ = try await plugin.process(benchmark.request) }
            if baseline == 0 { baseline = time }
            benchmark.row("C process 1 KiB, \(label)", time, String(format: "   %+6.1f %% vs as is", (time / baseline - 1) * 100))
        }
    }
}
