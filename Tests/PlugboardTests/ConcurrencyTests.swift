import Foundation
import Plugboard
import PlugboardTesting
import Synchronization
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// One instance per plugin, confined to its actor: concurrent calls to one plugin are serialized and all
/// answered correctly, and different plugins are called at the same time. Guests that run inline on Swift's
/// cooperative pool never take all of it.
@Suite struct ConcurrencyTests {
    /// A guest that tells the host it started, then loops until stopped.
    static let spinnerWIT = """
        package test:pool;
        interface host { started: func(); }
        world spinner { import host; export spin: func(); }
        """
    static let spinnerWAT = """
        (module
          (import "test:pool/host" "started" (func $started))
          (memory (export "memory") 1)
          (func (export "spin")
            (call $started)
            (loop $forever (br $forever))))
        """

    final class Counter: Sendable {
        private let count = Atomic<Int>(0)
        func increment() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    @Test func spinningGuestsLeaveTheCooperativePoolToOtherTasks() async throws {
        let world = try WITPackage.parse(Self.spinnerWIT).world(named: "spinner")
        let started = Counter()
        let hostFunction = try HostFunction(interface: world.imports[0], function: "started") { _, _ in
            started.increment()
            return []
        }
        let host = PluginHost(configuration: .init(world: world, hostFunctions: [hostFunction]))
        // More spinning guests than the machine has processors: some run inline, the rest on their own queues.
        let count = ProcessInfo.processInfo.activeProcessorCount + 1
        var calls: [Task<PlugboardError.Code?, Never>] = []
        for index in 0..<count {
            let plugin = try await host.load(
                bytes: Array(Self.spinnerWAT.utf8), name: "spinner\(index)", options: .init(limits: PluginLimits(timeout: .seconds(120))))
            calls.append(
                Task {
                    do {
                        _ = try await plugin.call("spin", arguments: [])
                        return nil
                    } catch {
                        return (error as? PlugboardError)?.code
                    }
                })
        }
        #expect(try await eventually(within: 60, every: .milliseconds(5)) { started.value == count }, "every guest started spinning")

        // Tasks on the cooperative pool still run while every guest spins...
        let probe = await Task.detached { "ran" }.value
        #expect(probe == "ran")
        // ...and this task is still there to stop them: each call ends cancelled, none ran into its 120 s deadline.
        for call in calls { call.cancel() }
        for call in calls { #expect(await call.value == .cancelled) }
    }

    @Test func concurrentCallsToOnePluginAreAllAnsweredCorrectly() async throws {
        let host = PluginHost()
        let plugin = try await host.load(path: Repository.cPlugin)
        try await plugin.initialize(config: [])
        let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let response = try await plugin.process(ProcessRequest(input: "call \(index)", options: [("mode", "uppercase")]))
                    return (index, response.output)
                }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        for index in 0..<64 { #expect(outputs[index] == "CALL \(index)") }
    }

    @Test func differentPluginsAnswerWhileEachOtherIsBusy() async throws {
        let host = PluginHost()
        let c = try await host.load(path: Repository.cPlugin)
        let wat = try await host.load(path: Repository.watPlugin)
        let long = String(repeating: "word ", count: 20_000)
        async let first = (0..<20).asyncMap { _ in try await c.process(ProcessRequest(input: long, options: [("mode", "wordcount")])).output }
        async let second = (0..<20).asyncMap { _ in try await wat.process(ProcessRequest(input: long, options: [("mode", "wordcount")])).output }
        let (a, b) = try await (first, second)
        #expect(a == Array(repeating: "20000", count: 20))
        #expect(b == Array(repeating: "20000", count: 20))
        #expect(await host.plugins.map(\.name) == ["text-transform-c", "text-transform-wat"])
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
