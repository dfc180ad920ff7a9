import Foundation
import Plugboard
import PlugboardTesting
import PlugboardHTTPFetch

/// Hot reload and pooling, measured through `PluginRegistry`:
///
/// - reload latency: from a new plugin file renamed into a watched directory to the first call the new version
///   answers (the watcher's debounce included, at its 100 ms default and at 10 ms), and the swap alone (`deploy`
///   of bytes: compile or cache hit, instantiate, initialize, switch), p50 and p99;
/// - resident memory (RSS) and live WasmKit instances after successive batches of reloads while a caller keeps
///   calling: flat when nothing is kept per reload or per call;
/// - call throughput of a compute-bound `process` with pool size 1 and 2, four callers, side by side.
struct RegistryBenchmark {
    let reloads: Int

    func run() async throws {
        print("\nregistry: reload latency (\(reloads) reloads each), RSS over reloads, pool throughput")
        for debounce in [Duration.milliseconds(100), .milliseconds(10)] {
            let samples = try await watchedReloadLatencies(debounce: debounce)
            print(row("file rename -> new version serving, debounce \(Self.milliseconds(debounce)) ms", samples))
        }
        let swaps = try await deployLatencies()
        print(row("deploy(bytes:) swap alone", swaps))
        try await residentMemoryOverReloads()
        try await poolThroughput()
    }

    /// Writes alternating versions into a watched directory and times each until a call is answered by it.
    func watchedReloadLatencies(debounce: Duration) async throws -> [Duration] {
        let directory = NSTemporaryDirectory() + "plugboard-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/hot.wat"
        try Data(VersionedGuest.bytes(version: "0")).write(to: URL(fileURLWithPath: file))
        let registry = PluginRegistry(configuration: .init(reloadDebounce: debounce))
        try await registry.load(path: file)
        try await registry.startWatching([directory])
        var samples: [Duration] = []
        for index in 1...reloads {
            let version = "\(index)"
            let staging = directory + ".staging"
            try Data(VersionedGuest.bytes(version: version)).write(to: URL(fileURLWithPath: staging))
            let start = ContinuousClock.now
            rename(staging, file)
            while try await registry.process("hot", ProcessRequest(input: "x")).version != version {
                try await Task.sleep(for: .microseconds(200))
            }
            samples.append(ContinuousClock.now - start)
        }
        await registry.shutdown()
        return samples
    }

    func deployLatencies() async throws -> [Duration] {
        let registry = PluginRegistry()
        try await registry.load(bytes: VersionedGuest.bytes(version: "0"), name: "swap")
        var samples: [Duration] = []
        for index in 1...reloads {
            let bytes = VersionedGuest.bytes(version: "\(index)")
            let start = ContinuousClock.now
            try await registry.deploy("swap", bytes: bytes)
            samples.append(ContinuousClock.now - start)
        }
        await registry.shutdown()
        return samples
    }

    /// RSS after each batch of deploys of two alternating versions while a caller keeps calling.
    func residentMemoryOverReloads() async throws {
        let registry = PluginRegistry()
        let versions = [VersionedGuest.bytes(version: "a"), VersionedGuest.bytes(version: "b")]
        try await registry.load(bytes: versions[0], name: "churn")
        let caller = Task {
            while !Task.isCancelled { _ = try? await registry.process("churn", ProcessRequest(input: "x")) }
        }
        var readings: [String] = []
        var done = 0
        for target in [100, 1_000, 5_000, 10_000, 20_000] {
            while done < target {
                done += 1
                try await registry.deploy("churn", bytes: versions[done % 2])
            }
            readings.append("\(target): \(Self.megabytes(Self.residentBytes())) (\(WasmKitEngine.liveInstanceCount) live)")
        }
        caller.cancel()
        _ = await caller.result
        await registry.shutdown()
        try await Task.sleep(for: .milliseconds(200))
        readings.append("after shutdown: \(Self.megabytes(Self.residentBytes()))")
        print("RSS after N reloads with a caller running, MiB (live instances)  " + readings.joined(separator: "  "))
    }

    /// Four callers run a compute-bound `process` (a 2-million-iteration loop) for a fixed number of calls.
    func poolThroughput() async throws {
        var rates: [Int: Double] = [:]
        for size in [1, 2] {
            var settings = RolloutSettings()
            settings.pool.size = size
            let registry = PluginRegistry(configuration: .init(defaultSettings: settings))
            try await registry.load(bytes: VersionedGuest.bytes(version: "1", behavior: .spin(iterations: 2_000_000)), name: "busy")
            _ = try await registry.process("busy", ProcessRequest(input: "warm"))
            let calls = 40
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<4 {
                    group.addTask {
                        for _ in 0..<(calls / 4) { _ = try await registry.process("busy", ProcessRequest(input: "\(caller)")) }
                    }
                }
                try await group.waitForAll()
            }
            let seconds = Self.seconds(ContinuousClock.now - start)
            rates[size] = Double(calls) / seconds
            print(String(format: "pool size %d, 4 callers, compute-bound process       %8.1f calls/s", size, rates[size]!))
            await registry.shutdown()
        }
        print(String(format: "pool size 2 vs 1                                  %8.2f×", rates[2]! / rates[1]!))
    }

    func row(_ label: String, _ samples: [Duration]) -> String {
        let sorted = samples.sorted()
        let p50 = sorted[sorted.count / 2]
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        return label.padding(toLength: 56, withPad: " ", startingAt: 0)
            + String(format: "p50 %7.2f ms   p99 %7.2f ms", Self.milliseconds(p50), Self.milliseconds(p99))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0) * 1024
        }
        return 0
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f", Double(bytes) / 1_048_576) }
}
