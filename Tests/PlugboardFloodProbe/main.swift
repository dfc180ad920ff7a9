// PlugboardFloodProbe CASE: runs one flood of host input against the library in a process of its own, so the test
// that runs it (HostileFloodTests) can assert this process's peak memory. Prints one JSON object: what each call
// ended in, how many times a well-behaved plugin beside it answered during the flood, and the peak resident memory.
//
// Cases:
//   aliased-strings   a host import given a list of a million strings that all point at one 16 MiB string
//   random-gigabyte   random_get of 1 GiB (past memory) and of 31 MiB in a loop until the deadline
//   event-flood       16 MiB events until the deadline (each lifted within a 32 MiB host-call budget, then cut to the
//                     64 KiB message limit), with a subscriber that never reads
//   callers           10,000 concurrent callers on a plugin whose calls take 1 s (a deadline stops each)
//   deadlines         300 calls stopped by deadlines and cancellations, then the plugin unloaded: the leak hooks
//                     (deadlines still scheduled, stores still alive) must read zero
import Foundation
import Plugboard
import PlugboardRuntime
import PlugboardTesting
import Synchronization

struct Report: Encodable {
    var outcomes: [String: Int] = [:]
    var goodAnswers = 0
    var peakBytes = 0
    var subscriberBufferedBytes: Int?
    var subscriberDropped: Int?
    var pendingDeadlines: Int?
    var liveStores: Int?
    var longestCallSeconds: Double?
    var seconds = 0.0
}

func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
    else { return 0 }
    return kilobytes << 10
}

func outcome(_ body: () async throws -> Void) async -> String {
    do {
        try await body()
        return "ok"
    } catch let error as PlugboardError {
        return error.code.rawValue
    } catch {
        return "other: \(error)"
    }
}

/// A flag one task raises and another reads.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func raise() { value.store(true, ordering: .relaxed) }
    var isRaised: Bool { value.load(ordering: .relaxed) }
}

/// Calls the good plugin until `done` is raised; returns how many times it answered correctly.
func keepAsking(_ good: Plugin, until done: Flag) async -> Int {
    var answers = 0
    while !done.isRaised {
        if let response = try? await good.process(ProcessRequest(input: "ok", options: [("mode", "uppercase")])), response.output == "OK" {
            answers += 1
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return answers
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: PlugboardFloodProbe aliased-strings|random-gigabyte|event-flood|callers\n".utf8))
    exit(2)
}
let started = ContinuousClock.now
var report = Report()
let done = Flag()

switch arguments[1] {
case "aliased-strings":
    // A world whose host import takes a list of strings.
    let world = try WITPackage.parse(
        """
        package test:flood;
        interface sink { consume: func(items: list<string>) -> u32; }
        world flood { import sink; export run: func() -> u32; }
        """
    ).world(named: "flood")
    let consume = try HostFunction(interface: world.imports[0], function: "consume") { _, arguments in
        guard case .list(let items) = arguments[0] else { return [.u32(0)] }
        return [.u32(UInt32(items.count))]
    }
    let host = PluginHost(configuration: .init(world: world, hostFunctions: [consume]))
    // 16 MiB string at 65536; a million (pointer, length) entries at 16 MiB + 65536, filled by doubling copies.
    let wat = """
        (module
          (import "test:flood/sink" "consume" (func $consume (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
          (func (export "run") (result i32) (local $filled i32)
            (drop (memory.grow (i32.const 384)))
            (i32.store (i32.const 16842752) (i32.const 65536))
            (i32.store offset=4 (i32.const 16842752) (i32.const 16777216))
            (local.set $filled (i32.const 8))
            (loop $double
              (memory.copy (i32.add (i32.const 16842752) (local.get $filled)) (i32.const 16842752) (local.get $filled))
              (local.set $filled (i32.shl (local.get $filled) (i32.const 1)))
              (br_if $double (i32.lt_u (local.get $filled) (i32.const 8000000))))
            (call $consume (i32.const 16842752) (i32.const 1000000))))
        """
    let plugin = try await host.load(bytes: Array(wat.utf8), name: "aliased", options: .init(limits: PluginLimits(maxMemoryBytes: 64 << 20)))
    for _ in 0..<5 {
        report.outcomes[await outcome { _ = try await plugin.call("run", arguments: []) }, default: 0] += 1
    }
    report.goodAnswers = 1  // no other plugin in this world; the host answered every call with a typed error
case "deadlines":
    let engine = WasmKitEngine()
    let host = PluginHost(configuration: .init(engine: engine))
    var spinning = HostilePlugin(name: "spin")
    spinning.process = "(if (i32.eq (local.get $in_len) (i32.const 4)) (then (loop $again (br $again)))) (call $respond (local.get $in) (local.get $in_len))"
    let plugin = try await host.load(bytes: spinning.bytes, name: "spin", options: .init(limits: PluginLimits(timeout: .milliseconds(5))))
    let steady = try await host.load(bytes: spinning.bytes, name: "steady", options: .init(limits: PluginLimits(timeout: .seconds(30))))
    for _ in 0..<100 {
        report.outcomes[await outcome { _ = try await plugin.process(ProcessRequest(input: "spin")) }, default: 0] += 1
        report.outcomes[await outcome { _ = try await steady.process(ProcessRequest(input: "ok")) }, default: 0] += 1
    }
    let slow = try await host.load(bytes: spinning.bytes, name: "slow-spin", options: .init(limits: PluginLimits(timeout: .seconds(60))))
    for _ in 0..<100 {
        let call = Task { try await slow.process(ProcessRequest(input: "spin")) }
        try await Task.sleep(for: .milliseconds(2))
        call.cancel()
        report.outcomes[await outcome { _ = try await call.value }, default: 0] += 1
    }
    try await host.unload("spin")
    try await host.unload("steady")
    try await host.unload("slow-spin")
    // The scheduler forgets an instance's deadline timer as the instance is released; the re-arm of a stopped call's
    // interrupt ends with the call.
    // A dispatch block that ran a call may release its last reference to the instance just after the call returned.
    for _ in 0..<200 where DeadlineScheduler.shared.pendingCount > 0 || engine.liveStoreCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
    report.pendingDeadlines = DeadlineScheduler.shared.pendingCount
    report.liveStores = engine.liveStoreCount
    report.goodAnswers = report.outcomes["ok"] ?? 0
case "random-gigabyte", "event-flood", "callers":
    let host = PluginHost(
        configuration: .init(eventBuffer: EventBufferLimits(maxEvents: 10_000, maxBytes: 256 << 10)))
    let neverRead = host.events()
    let good = try await host.load(path: SourceTree.path("examples/plugins/text-transform-wat/plugin.wat"), options: .init(name: "good"))
    let asking = Task { await keepAsking(good, until: done) }
    switch arguments[1] {
    case "random-gigabyte":
        let hostile = HostileCatalog.randomGigabyte
        let plugin = try await host.load(bytes: hostile.bytes, name: hostile.name, options: .init(limits: hostile.limits, capabilities: hostile.capabilities))
        for _ in 0..<3 {
            report.outcomes[await outcome { _ = try await plugin.process(ProcessRequest(input: "x")) }, default: 0] += 1
        }
        let flood = HostileCatalog.randomFlood
        let flooding = try await host.load(bytes: flood.bytes, name: flood.name, options: .init(limits: flood.limits, capabilities: flood.capabilities))
        report.outcomes[await outcome { _ = try await flooding.process(ProcessRequest(input: "x")) }, default: 0] += 1
    case "event-flood":
        var plugin = HostilePlugin(name: "big-events")
        plugin.process = """
            (drop (memory.grow (i32.const 256)))
            (loop $again
              (call $host_emit (i32.const 1312) (i32.const 5) (i32.const 65536) (i32.const 16777216) (i32.const 256))
              (br $again))
            unreachable
            """
        let loaded = try await host.load(
            bytes: plugin.bytes, name: plugin.name,
            options: .init(limits: PluginLimits(maxMemoryBytes: 64 << 20, timeout: .seconds(2), maxHostCallBytes: 32 << 20)))
        report.outcomes[await outcome { _ = try await loaded.process(ProcessRequest(input: "x")) }, default: 0] += 1
        report.subscriberBufferedBytes = neverRead.bufferedBytes
        report.subscriberDropped = neverRead.droppedCount
    default:
        var plugin = HostilePlugin(name: "slow")
        plugin.process = "(loop $again (br $again)) unreachable"
        let slow = try await host.load(
            bytes: plugin.bytes, name: plugin.name,
            options: .init(limits: PluginLimits(timeout: .seconds(1)), pool: InstancePoolConfiguration(size: 1, maxQueue: 256, maxWait: .seconds(3))))
        let (counts, longest) = await withTaskGroup(of: (String, Duration).self) { group in
            for _ in 0..<10_000 {
                group.addTask {
                    let started = ContinuousClock.now
                    let result = await outcome { _ = try await slow.process(ProcessRequest(input: "x")) }
                    return (result, ContinuousClock.now - started)
                }
            }
            var counts: [String: Int] = [:]
            var longest = Duration.zero
            for await (result, took) in group {
                counts[result, default: 0] += 1
                longest = max(longest, took)
            }
            return (counts, longest)
        }
        report.outcomes = counts
        report.longestCallSeconds = Double(longest.components.seconds) + Double(longest.components.attoseconds) / 1e18
    }
    done.raise()
    report.goodAnswers = await asking.value
    withExtendedLifetime(neverRead) {}
default:
    FileHandle.standardError.write(Data("unknown case \(arguments[1])\n".utf8))
    exit(2)
}
report.seconds = Double((ContinuousClock.now - started).components.seconds) + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
report.peakBytes = peakResidentBytes()
let encoder = JSONEncoder()
encoder.outputFormatting = .sortedKeys
FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
