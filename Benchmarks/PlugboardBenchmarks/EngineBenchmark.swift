import Foundation
import Plugboard
import PlugboardTesting

/// Issue 15's table: the two engines side by side in one run, against native Swift and two Python peers.
///
/// 1. The typed `process(1 KiB)` of the C example on WasmKit and on Wasmtime (default limits: a 30 s deadline), native
///    Swift doing the same work, Extism's Python SDK and wasmtime-py (Benchmarks/extism, Benchmarks/wasmtime-py).
/// 2. Compute guests (Benchmarks/compute/*.c, built with scripts/wasm-cc like every test plugin) called through the
///    engine protocol, against the same functions in Swift.
/// 3. Loading the C example: Wasmtime from its disk cache in a fresh `WasmtimeEngine`, compiling it, and WasmKit.
/// 4. What stopping costs on Wasmtime: the compute guests interruptible or not, with fuel or not, and `process` with
///    and without a deadline.
///
/// Without Wasmtime's library every Wasmtime row is skipped with a line saying so.
struct EngineBenchmark {
    let benchmark: ProcessBenchmark
    var root: String { benchmark.root }
    /// Where this run's Wasmtime caches compiled modules (removed at the end).
    let cacheDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-engine-bench-\(UUID().uuidString)").path

    func run() async throws {
        defer { try? FileManager.default.removeItem(atPath: cacheDirectory) }
        let loadAverage = Self.loadAverage()
        print("")
        print("engines (issue 15): \(benchmark.iterations) calls × 7 interleaved runs for process; compute: median of ≥ 7 interleaved rounds; loads: of ≥ 5 runs")
        print("  command: .build-release/release/plugboard-benchmarks \(benchmark.iterations) engines")
        let wasmtime: WasmtimeEngine?
        do {
            wasmtime = try WasmtimeEngine(configuration: .init(cacheDirectory: cacheDirectory))
            print("  engines: \(WasmKitEngine().name) (interpreter), \(wasmtime!.name) (Cranelift JIT, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        } catch {
            wasmtime = nil
            print("  Wasmtime unavailable, its rows are skipped: \(error)")
        }
        try await process(wasmtime)
        let guests = try await computeGuests()
        try compute(guests, wasmtime)
        try await load(wasmtime)
        try await stopping(guests, wasmtime)
        print("  load average (1 min) at the start and the end: " + String(format: "%.2f, %.2f", loadAverage, Self.loadAverage()))
    }

    /// The 1-minute load average: the numbers above mean little on a busy machine.
    static func loadAverage() -> Double {
        var load = [0.0]
        return getloadavg(&load, 1) == 1 ? load[0] : .nan
    }

    // MARK: 1. process(1 KiB)

    func process(_ wasmtime: WasmtimeEngine?) async throws {
        print("process(1 KiB), C example, ns/call (median):")
        let request = benchmark.request
        let empty = ProcessRequest(input: "", options: request.options)
        // One run of each in turn, 7 rounds, so a neighbour's load on this shared machine falls on all alike.
        var sink = 0
        var variants: [() async throws -> Void] = [{ sink &+= nativeProcess(request, prefix: ">> ").output.utf8.count }]
        var loaded = [try await loadedPlugin(on: WasmKitEngine())]
        if let wasmtime { loaded.append(try await loadedPlugin(on: wasmtime)) }
        for (_, plugin) in loaded {
            variants.append { _ = try await plugin.process(request) }
            variants.append { _ = try await plugin.process(empty) }
        }
        let times = try await interleaved(variants)
        for (host, plugin) in loaded { try await host.unload(plugin.name) }
        let (native, wasmKit) = (times[0], times[1])
        benchmark.row("  native Swift (baseline)", native)
        benchmark.row("  WasmKit typed process", wasmKit, String(format: "   %5.1f× native", wasmKit / native))
        benchmark.row("    same, empty input (fixed cost per call)", times[2])
        var jit: Double?
        if wasmtime != nil {
            jit = times[3]
            benchmark.row("  Wasmtime typed process", times[3], String(format: "   %5.1f× native", times[3] / native))
            benchmark.row("    same, empty input (fixed cost per call)", times[4])
        }
        // The peers are slow per call (Python): fewer calls keep the group short; the medians are per call.
        let extism = try PythonPeer.extism.run(root: root, calls: max(500, benchmark.iterations / 4))
        let wasmtimePy = try PythonPeer.wasmtimePy.run(root: root, calls: max(100, benchmark.iterations / 50))
        for (label, result) in [("Extism Python SDK", extism), ("wasmtime-py, canonical ABI by hand", wasmtimePy)] {
            switch result {
            case .success(let timing):
                benchmark.row("  \(label)", timing.process1KiB * 1000, String(format: "   %5.1f× native", timing.process1KiB * 1000 / native))
            case .failure(let unavailable):
                print("  \(label): \(unavailable.reason)")
            }
        }
        if sink == 42 { print("") }
        guard let jit else { return }
        print("  ratios and goals (issue 15):")
        print(String(format: "    Wasmtime / native Swift    %6.2f×   goal ≤ 1.5×  ", jit / native) + verdict(jit / native <= 1.5))
        print(String(format: "    WasmKit / Wasmtime         %6.2f×", wasmKit / jit))
        if case .success(let timing) = extism {
            let ratio = timing.process1KiB * 1000 / jit
            print(String(format: "    Extism-py / Wasmtime       %6.2f×   goal ≥ 5×    ", ratio) + verdict(ratio >= 5))
        }
        if case .success(let timing) = wasmtimePy {
            print(String(format: "    wasmtime-py / Wasmtime     %6.2f×", timing.process1KiB * 1000 / jit))
        }
    }

    /// The C example loaded on `engine` (default limits unless given), initialized with prefix ">> " and checked.
    func loadedPlugin(on engine: any WasmEngine, limits: PluginLimits = PluginLimits()) async throws -> (PluginHost, Plugin) {
        let host = PluginHost(configuration: .init(engine: engine))
        let plugin = try await host.load(path: root + "/examples/plugins/text-transform-c/plugin.wasm", options: .init(limits: limits))
        try await plugin.initialize(config: [("prefix", ">> ")])
        let request = benchmark.request
        let check = try await plugin.process(request)
        precondition(check.output == nativeProcess(request, prefix: ">> ").output, "\(engine.name): plugin output differs from the native baseline")
        return (host, plugin)
    }

    /// Median ns per call of each of `bodies`: `iterations / 10` warm-up calls each, then 7 rounds of one run of
    /// `iterations` calls of each in turn.
    func interleaved(_ bodies: [() async throws -> Void]) async throws -> [Double] {
        let iterations = benchmark.iterations
        for body in bodies {
            for _ in 0..<max(1, iterations / 10) { try await body() }
        }
        var samples = [[Double]](repeating: [], count: bodies.count)
        for _ in 0..<7 {
            for (index, body) in bodies.enumerated() {
                let start = ContinuousClock.now
                for _ in 0..<iterations { try await body() }
                samples[index].append(benchmark.nanoseconds(ContinuousClock.now - start))
            }
        }
        return samples.map { $0.sorted()[3] }
    }

    // MARK: 2. Compute

    /// A compute guest: a core module with no imports exporting `function`, called with `argument`.
    struct ComputeGuest {
        let label: String
        let bytes: [UInt8]
        let function: String
        let argument: UInt32
        /// An export called once with `argument` on a fresh instance (after `_initialize`), e.g. one that fills
        /// the input.
        var prepareExport: String? = nil
        /// Whether the call's results are right (the instance is the one called).
        let check: ([CoreValue], any CoreInstance) -> Bool
        /// The same work in Swift; its result feeds a sink so it is not optimized away.
        let native: () -> Int
    }

    static let sha256Bytes = 4 << 20

    /// fib, sieve and sha256 built from Benchmarks/compute with the test plugins' flags; none if the wasm32 C
    /// toolchain is missing (the compute rows are then skipped).
    func computeGuests() async throws -> [ComputeGuest] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-compute-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var built: [String: [UInt8]] = [:]
        do {
            for name in ["fib", "sieve", "sha256"] {
                let output = directory + "/\(name).wasm"
                try await WasmCC.compile([root + "/Benchmarks/compute/\(name).c"], output: output, repositoryRoot: root)
                built[name] = Array(try Data(contentsOf: URL(fileURLWithPath: output)))
            }
        } catch {
            print("compute: the guests could not be built, compute rows skipped: \(error)")
            return []
        }
        let sieveN: UInt32 = 1 << 20
        let length = Self.sha256Bytes
        let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let digest = nativeSHA256(input)
        precondition(digest.map { String(format: "%02x", $0) }.joined() == "59f41f46fe52079f24edc303087a25634c91bee7491b53d99695c39c4d934696")
        return [
            ComputeGuest(
                label: "fib(27), recursive", bytes: built["fib"]!, function: "fib", argument: 27,
                check: { results, _ in results == [.i32(196_418)] }, native: { Int(nativeFib(opaque(27))) }),
            ComputeGuest(
                label: "sieve, primes below 1 Mi", bytes: built["sieve"]!, function: "sieve", argument: sieveN,
                check: { results, _ in results == [.i32(82_025)] }, native: { nativeSieve(opaque(Int(sieveN))) }),
            ComputeGuest(
                label: "SHA-256 of 4 MiB", bytes: built["sha256"]!, function: "sha256", argument: UInt32(length),
                prepareExport: "fill",
                check: { results, instance in
                    guard case .i32(let pointer)? = results.first, let memory = instance.memory,
                        Int(pointer) + 32 <= memory.byteCount
                    else { return false }
                    return memory.withUnsafeBytes(offset: Int(pointer), count: 32) { Array($0) } == digest
                },
                native: { Int(nativeSHA256(input)[0]) }),
        ]
    }

    func compute(_ guests: [ComputeGuest], _ wasmtime: WasmtimeEngine?) throws {
        guard !guests.isEmpty else { return }
        print("compute through the engine protocol (no host calls; unmetered, not interruptible), ms/call (median):")
        var ratios: [(String, Double)] = []
        for guest in guests {
            // Round robin, one call of each per round, so a neighbour's load on this shared machine falls on all alike.
            var sink = 0
            var variants: [() throws -> Void] = [{ sink &+= guest.native() }, try prepared(guest, on: WasmKitEngine())]
            if let wasmtime { variants.append(try prepared(guest, on: wasmtime)) }
            let times = try Self.interleaved(variants)
            let (native, wasmKit) = (times[0], times[1])
            print(Self.line("  \(guest.label), native Swift", native))
            print(Self.line("    WasmKit", wasmKit, String(format: "%7.1f× native", wasmKit / native)))
            if times.count > 2 {
                let jit = times[2]
                print(Self.line("    Wasmtime", jit, String(format: "%7.2f× native   WasmKit / Wasmtime %5.1f×", jit / native, wasmKit / jit)))
                ratios.append((guest.label, jit / native))
            }
            if sink == 42 { print("") }
        }
        for (label, ratio) in ratios {
            print("  goal (issue 15) Wasmtime ≤ 1.5× native: " + label.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: "%5.2f×  ", ratio) + verdict(ratio <= 1.5))
        }
    }

    /// `guest` instantiated on `engine` with `limits` and checked: a call of it.
    func prepared(_ guest: ComputeGuest, on engine: any WasmEngine, limits: InstanceLimits = InstanceLimits(maxMemoryBytes: 64 << 20)) throws -> () throws -> Void {
        let module = try engine.compile(guest.bytes)
        let store = engine.makeStore(limits: limits)
        store.startCall()
        let instance = try store.instantiate(module, hostFunctions: [])
        if let initialize = instance.function(named: "_initialize") {
            store.startCall()
            _ = try initialize.call([])
        }
        let arguments: [CoreValue] = [.i32(guest.argument)]
        if let prepareExport = guest.prepareExport {
            store.startCall()
            _ = try instance.function(named: prepareExport)!.call(arguments)
        }
        let function = instance.function(named: guest.function)!
        store.startCall()
        let results = try function.call(arguments)
        precondition(guest.check(results, instance), "\(engine.name): \(guest.label) returned \(results)")
        return {
            store.startCall()
            _ = try function.call(arguments)
        }
    }

    // MARK: 3. Loading

    func load(_ wasmtime: WasmtimeEngine?) async throws {
        let bytes = try PluginBinary(contentsOf: root + "/examples/plugins/text-transform-c/plugin.wasm").bytes
        print("loading the C example (\(bytes.count) bytes), ms (median):")
        // Through the engine protocol: compile, a store, instantiate with every import bound to a stub (no start
        // function, `_initialize` not run).
        let limits = PluginLimits().instanceLimits
        func instantiate(_ engine: any WasmEngine) throws {
            let module = try engine.compile(bytes)
            let store = engine.makeStore(limits: limits)
            store.startCall()
            _ = try store.instantiate(module, hostFunctions: Self.stubs(for: module.description))
        }
        let wasmKit = try Self.milliseconds(maxRuns: 200) { try instantiate(WasmKitEngine()) }
        print(Self.line("  WasmKit: compile (parse, validate) + instantiate", wasmKit))
        var fromCache: Double?
        if let wasmtime {
            _ = try wasmtime.compile(bytes)  // warms the disk cache
            let directory = cacheDirectory
            let engineOnly = try Self.milliseconds(maxRuns: 200) { _ = try WasmtimeEngine(configuration: .init(cacheDirectory: directory)) }
            print(Self.line("  Wasmtime, warm disk cache: WasmtimeEngine() alone", engineOnly))
            let compileOnly = try Self.milliseconds(maxRuns: 200) { _ = try wasmtime.compile(bytes) }
            print(Self.line("    compile alone (engine made before)", compileOnly))
            let cached = try Self.milliseconds(maxRuns: 200) { try instantiate(try WasmtimeEngine(configuration: .init(cacheDirectory: directory))) }
            print(Self.line("    fresh engine, compile + instantiate (cold load)", cached))
            let uncached = try Self.milliseconds(maxRuns: 20) { try instantiate(try WasmtimeEngine(configuration: .init(cachesCompiledModules: false))) }
            print(Self.line("  Wasmtime without the cache: compile + instantiate", uncached, String(format: "%7.1f× from cache", uncached / cached)))
            fromCache = cached
        }
        // The whole plugin load through `PluginHost.load(bytes:)` (link to the host API and WASI, `_initialize`,
        // `get-metadata`) and its unload.
        var engines: [(String, any WasmEngine)] = [("WasmKit", WasmKitEngine())]
        if let wasmtime {
            engines.append(("Wasmtime from cache", wasmtime))
            engines.append(("Wasmtime no cache", try WasmtimeEngine(configuration: .init(cachesCompiledModules: false))))
        }
        for (label, engine) in engines {
            let host = PluginHost(configuration: .init(engine: engine))
            let time = try await Self.millisecondsAsync(maxRuns: label.hasSuffix("no cache") ? 20 : 200) {
                _ = try await host.load(bytes: bytes, name: "cold")
                try await host.unload("cold")
            }
            print(Self.line("  plugin load + unload, \(label)", time))
        }
        if let fromCache {
            print(String(format: "  goal (issue 15) cold load from cache ≤ 1 ms: %.3f ms  ", fromCache) + verdict(fromCache <= 1))
            print("  (one process: the library is loaded and Wasmtime's engine made once, before these rows)")
        }
    }

    /// A host function for every function import of `description`, answering zeros.
    static func stubs(for description: ModuleDescription) -> [CoreHostFunction] {
        description.imports.compactMap { item in
            guard case .function(let signature) = item.kind else { return nil }
            let result: CoreValue? = signature.results.first.map { type in
                switch type {
                case .i32: .i32(0)
                case .i64: .i64(0)
                case .f32: .f32(0)
                case .f64: .f64(0)
                }
            }
            return CoreHostFunction(module: item.module, name: item.name, signature: signature) { _ in result }
        }
    }

    // MARK: 4. What stopping costs on Wasmtime

    func stopping(_ guests: [ComputeGuest], _ wasmtime: WasmtimeEngine?) async throws {
        guard let wasmtime else { return }
        print("stopping calls on Wasmtime: interruptible (epoch deadline) and fuel, ms/call (median):")
        let base = InstanceLimits(maxMemoryBytes: 64 << 20)
        var interruptible = base
        interruptible.interruptible = true
        var fuel = base
        fuel.fuelPerCall = 1 << 40
        var both = interruptible
        both.fuelPerCall = 1 << 40
        var worst = 0.0
        for guest in guests {
            let variants = [("as is", base), ("interruptible", interruptible), ("fuel", fuel), ("interruptible + fuel", both)]
            let times = try Self.interleaved(variants.map { try prepared(guest, on: wasmtime, limits: $0.1) })
            for ((label, _), time) in zip(variants, times) {
                let overhead = (time / times[0] - 1) * 100
                if label == "interruptible" { worst = max(worst, overhead) }
                print(Self.line("  \(guest.label), \(label)", time, String(format: "%+7.1f %% vs as is", overhead)))
            }
        }
        if !guests.isEmpty {
            print(String(format: "  goal (issue 15) deadline overhead ≤ 2 %%: worst %+.1f %%  ", worst) + verdict(worst <= 2))
            print("  (each setting is an engine of its own: `interruptible` code checks the epoch at loop heads and function")
            print("   entries, `fuel` code counts fuel; \"as is\" has neither. Plugins with a deadline pay the epoch checks.)")
            switch try StoppingPeer.run(root: root, guests: guests) {
            case .success(let timings):
                print("  the same guests in bare Wasmtime (wasmtime-py, same library, same settings), ms/call (median):")
                for guest in guests {
                    guard let timing = timings[guest.label] else { continue }
                    print(Self.line("  \(guest.label), as is", timing.asIs))
                    print(Self.line("  \(guest.label), epochs", timing.epochs, String(format: "%+7.1f %% vs as is", (timing.epochs / timing.asIs - 1) * 100)))
                    print(Self.line("  \(guest.label), fuel", timing.fuel, String(format: "%+7.1f %% vs as is", (timing.fuel / timing.asIs - 1) * 100)))
                }
                print("  (the epoch checks' cost is in the code Cranelift compiles, not in Plugboard: bare Wasmtime pays it too)")
            case .failure(let unavailable):
                print("  bare Wasmtime (wasmtime-py): \(unavailable.reason)")
            }
        }
        // The typed call with the timer of a deadline armed per call, and without one.
        let request = benchmark.request
        var loaded: [(PluginHost, Plugin)] = []
        for timeout in [nil, Duration.seconds(30)] { loaded.append(try await loadedPlugin(on: wasmtime, limits: PluginLimits(timeout: timeout))) }
        let times = try await interleaved(loaded.map { _, plugin in { _ = try await plugin.process(request) } })
        for (host, plugin) in loaded { try await host.unload(plugin.name) }
        for (label, time) in zip(["no deadline", "30 s deadline (default)"], times) {
            benchmark.row("  C process 1 KiB, \(label)", time, String(format: "   %+6.1f %% vs no deadline", (time / times[0] - 1) * 100))
        }
    }

    // MARK: Timing and printing

    /// Median milliseconds per call of `body`: one warm-up call, then timed calls until `budget` has passed, at least
    /// `minRuns` and at most `maxRuns` of them.
    static func milliseconds(minRuns: Int = 5, maxRuns: Int = 50, budget: Duration = .milliseconds(400), _ body: () throws -> Void) rethrows -> Double {
        try body()
        var samples: [Double] = []
        let start = ContinuousClock.now
        while samples.count < minRuns || (samples.count < maxRuns && ContinuousClock.now - start < budget) {
            let before = ContinuousClock.now
            try body()
            samples.append(milliseconds(ContinuousClock.now - before))
        }
        return samples.sorted()[samples.count / 2]
    }

    /// Median milliseconds per call of each of `bodies`, timed in rounds of one call each (after a warm-up round)
    /// until `budget` has passed, at least `minRounds` and at most `maxRounds` of them.
    static func interleaved(minRounds: Int = 7, maxRounds: Int = 50, budget: Duration = .milliseconds(1500), _ bodies: [() throws -> Void]) throws -> [Double] {
        for body in bodies { try body() }
        var samples = [[Double]](repeating: [], count: bodies.count)
        let start = ContinuousClock.now
        var rounds = 0
        while rounds < minRounds || (rounds < maxRounds && ContinuousClock.now - start < budget) {
            for (index, body) in bodies.enumerated() {
                let before = ContinuousClock.now
                try body()
                samples[index].append(milliseconds(ContinuousClock.now - before))
            }
            rounds += 1
        }
        return samples.map { $0.sorted()[$0.count / 2] }
    }

    static func millisecondsAsync(minRuns: Int = 5, maxRuns: Int = 50, budget: Duration = .milliseconds(400), _ body: () async throws -> Void) async rethrows -> Double {
        try await body()
        var samples: [Double] = []
        let start = ContinuousClock.now
        while samples.count < minRuns || (samples.count < maxRuns && ContinuousClock.now - start < budget) {
            let before = ContinuousClock.now
            try await body()
            samples.append(milliseconds(ContinuousClock.now - before))
        }
        return samples.sorted()[samples.count / 2]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
    }

    static func line(_ label: String, _ milliseconds: Double, _ extra: String = "") -> String {
        label.padding(toLength: 52, withPad: " ", startingAt: 0) + String(format: "%10.3f ms   ", milliseconds) + extra
    }

    func verdict(_ met: Bool) -> String { met ? "met" : "NOT met" }
}

// MARK: The compute guests in Swift

/// `value`, hidden from the optimizer (so a call with a constant argument is not folded).
@_optimize(none)
func opaque<T>(_ value: T) -> T { value }

/// Naive recursive Fibonacci, as Benchmarks/compute/fib.c.
@inline(never)
func nativeFib(_ n: UInt32) -> UInt32 {
    n < 2 ? n : nativeFib(n - 1) &+ nativeFib(n - 2)
}

/// The number of primes below `n`, as Benchmarks/compute/sieve.c (a fresh byte array per call, like its memset).
@inline(never)
func nativeSieve(_ n: Int) -> Int {
    var composite = [UInt8](repeating: 0, count: n)
    return composite.withUnsafeMutableBufferPointer { composite in
        var count = 0
        for i in 2..<n where composite[i] == 0 {
            count += 1
            guard i <= (n - 1) / i else { continue }
            for j in stride(from: i * i, to: n, by: i) { composite[j] = 1 }
        }
        return count
    }
}

/// SHA-256 (FIPS 180-4), as Benchmarks/compute/sha256.c.
@inline(never)
func nativeSHA256(_ message: [UInt8]) -> [UInt8] {
    let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
    var state: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
    @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    func compress(_ block: UnsafeRawBufferPointer, _ state: UnsafeMutableBufferPointer<UInt32>, _ k: UnsafeBufferPointer<UInt32>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 {
                w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16 | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
            for i in 0..<64 {
                let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            state[0] &+= a
            state[1] &+= b
            state[2] &+= c
            state[3] &+= d
            state[4] &+= e
            state[5] &+= f
            state[6] &+= g
            state[7] &+= h
        }
    }
    let full = message.count / 64 * 64
    var tail = [UInt8](message[full...])
    tail.append(0x80)
    let blocks = tail.count + 8 <= 64 ? 1 : 2
    tail += [UInt8](repeating: 0, count: blocks * 64 - 8 - tail.count)
    let bits = UInt64(message.count) * 8
    for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
    state.withUnsafeMutableBufferPointer { state in
        k.withUnsafeBufferPointer { k in
            message.withUnsafeBytes { bytes in
                for offset in stride(from: 0, to: full, by: 64) { compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 64]), state, k) }
            }
            tail.withUnsafeBytes { bytes in
                for offset in stride(from: 0, to: tail.count, by: 64) { compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 64]), state, k) }
            }
        }
    }
    return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32($0))) } }
}
