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

/// Host functions an embedding app registers for its own world, called by a guest with typed values.
@Suite struct HostFunctionTests {
    static let wit = """
        package app:tools@2.1.0;
        interface host {
            record reading { sensor: string, values: list<f64> }
            lookup: func(key: string) -> result<reading, string>;
            count: func() -> u32;
        }
        interface api {
            record reading { sensor: string, values: list<f64> }
            lookup: func(key: string) -> result<reading, string>;
            count: func() -> u32;
        }
        world tool { import host; export api; }
        """

    /// Forwards each export to the host import of the same name (see EchoGuest).
    static func load(_ implementation: @escaping @Sendable (String) throws -> WITValue) async throws -> Plugin {
        let package = try WITPackage.parse(wit)
        let world = try package.world(named: "tool")
        let forwarding = WITInterface(package: world.imports[0].package, name: "host", functions: world.imports[0].functions)
        let callCounter = Counter()
        let hostFunctions = [
            try HostFunction(interface: world.imports[0], function: "lookup") { context, arguments in
                #expect(context.pluginName == "tool")
                return [try implementation(arguments[0].stringValue ?? "")]
            },
            try HostFunction(interface: world.imports[0], function: "count") { _, _ in
                [.u32(UInt32(callCounter.increment()))]
            },
        ]
        var wat = EchoGuest.wat(for: forwarding)
        wat = wat.replacingOccurrences(of: "app:tools/host@2.1.0#", with: "app:tools/api@2.1.0#")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: hostFunctions))
        return try await host.load(bytes: Array(wat.utf8), name: "tool")
    }

    @Test func aGuestCallsTheHostWithTypedValuesAndGetsTypedResults() async throws {
        let plugin = try await Self.load({ key in
            key == "temp" ? .ok(.record(["sensor": .string("t1"), "values": .list([.f64(21.5), .f64(22)])])) : .err(.string("no \(key)"))
        })
        let found = try await plugin.call("lookup", arguments: [.string("temp")])
        #expect(found == [.ok(.record(["sensor": .string("t1"), "values": .list([.f64(21.5), .f64(22)])]))])
        #expect(try await plugin.call("lookup", arguments: [.string("wind")]) == [.err(.string("no wind"))])
        #expect(try await plugin.call("count", arguments: []) == [.u32(1)])
        #expect(try await plugin.call("count", arguments: []) == [.u32(2)])
    }

    /// The deadline a host function is given is the call's: its arrival plus the plugin's timeout, on
    /// `ContinuousClock` (the call path keeps times in a clock reading of its own and converts them here).
    @Test func aHostFunctionSeesItsCallsDeadlineOnTheContinuousClock() async throws {
        let package = try WITPackage.parse(Self.wit)
        let world = try package.world(named: "tool")
        let forwarding = WITInterface(package: world.imports[0].package, name: "host", functions: world.imports[0].functions)
        let seen = Mutex<ContinuousClock.Instant?>(nil)
        let hostFunctions = [
            try HostFunction(interface: world.imports[0], function: "lookup") { _, _ in [.err(.string("none"))] },
            try HostFunction(interface: world.imports[0], function: "count") { context, _ in
                seen.withLock { $0 = context.deadline }
                return [.u32(1)]
            },
        ]
        let wat = EchoGuest.wat(for: forwarding).replacingOccurrences(of: "app:tools/host@2.1.0#", with: "app:tools/api@2.1.0#")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: hostFunctions))
        let plugin = try await host.load(bytes: Array(wat.utf8), name: "tool", options: .init(limits: PluginLimits(timeout: .seconds(20))))
        let before = ContinuousClock.now
        #expect(try await plugin.call("count", arguments: []) == [.u32(1)])
        let after = ContinuousClock.now
        let deadline = try #require(seen.withLock { $0 })
        #expect(deadline >= before + .seconds(20), "the deadline is \(before.duration(to: deadline)) after the call began")
        #expect(deadline <= after + .seconds(20), "the deadline is \(after.duration(to: deadline)) after the call ended")
    }

    @Test func aThrowingHostFunctionFailsTheCallNamingItAndThePluginStaysUsable() async throws {
        struct SensorOffline: Error, CustomStringConvertible { var description: String { "sensor offline" } }
        let plugin = try await Self.load({ key in
            if key == "broken" { throw SensorOffline() }
            return .err(.string("none"))
        })
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("lookup", arguments: [.string("broken")]) }
        #expect(error.code == .hostFunctionFailed)
        #expect(error.plugin == "tool")
        #expect(error.description.contains("app:tools/host@2.1.0.lookup"))
        #expect(error.description.contains("sensor offline"))
        #expect(try await plugin.call("lookup", arguments: [.string("ok")]) == [.err(.string("none"))])
    }

    @Test func aHostFunctionReturningTheWrongTypeIsCaughtBeforeTheGuestSeesIt() async throws {
        let plugin = try await Self.load({ _ in .string("not a result") })
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("lookup", arguments: [.string("x")]) }
        #expect(error.code == .typeMismatch)
    }

    @Test func aPluginImportingAFunctionTheHostLacksIsRefusedWithTheListOfWhatItHas() async throws {
        let package = try WITPackage.parse(Self.wit)
        let world = try package.world(named: "tool")
        let onlyCount = [try HostFunction(interface: world.imports[0], function: "count") { _, _ in [.u32(0)] }]
        let forwarding = WITInterface(package: world.imports[0].package, name: "host", functions: world.imports[0].functions)
        let wat = EchoGuest.wat(for: forwarding).replacingOccurrences(of: "app:tools/host@2.1.0#", with: "app:tools/api@2.1.0#")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: onlyCount))
        let error = try await #require(throws: PlugboardError.self) { try await host.load(bytes: Array(wat.utf8), name: "tool") }
        #expect(error.code == .unknownImport)
        #expect(error.description.contains("'app:tools/host@2.1.0.lookup'"))
        #expect(error.description.contains("app:tools/host@2.1.0.count"))
    }
}

extension HostFunctionTests {
    /// An `async` host function (one that awaits a timer) called by guests of several plugins at once: each
    /// guest sees a blocking call that returns the right value, and no plugin starves another.
    @Test func anAsyncHostFunctionAwaitingASleepReturnsTheRightValueToTheGuest() async throws {
        let package = try WITPackage.parse(Self.wit)
        let world = try package.world(named: "tool")
        let hostFunctions = [
            try HostFunction(interface: world.imports[0], function: "lookup", asyncImplementation: { context, arguments in
                try await Task.sleep(for: .milliseconds(20))
                return [.ok(.record(["sensor": .string(context.pluginName), "values": .list([.f64(Double(arguments[0].stringValue?.count ?? 0))])]))]
            }),
            try HostFunction(interface: world.imports[0], function: "count", asyncImplementation: { _, _ in
                await Task.yield()
                return [.u32(7)]
            }),
        ]
        let forwarding = WITInterface(package: world.imports[0].package, name: "host", functions: world.imports[0].functions)
        let wat = EchoGuest.wat(for: forwarding).replacingOccurrences(of: "app:tools/host@2.1.0#", with: "app:tools/api@2.1.0#")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: hostFunctions))
        var plugins: [Plugin] = []
        for index in 0..<6 { plugins.append(try await host.load(bytes: Array(wat.utf8), name: "tool\(index)")) }
        let results = try await withThrowingTaskGroup(of: (String, [WITValue]).self) { group in
            for plugin in plugins {
                group.addTask { (plugin.name, try await plugin.call("lookup", arguments: [.string("abcd")])) }
            }
            var results: [String: [WITValue]] = [:]
            for try await (name, value) in group { results[name] = value }
            return results
        }
        for plugin in plugins {
            #expect(results[plugin.name] == [.ok(.record(["sensor": .string(plugin.name), "values": .list([.f64(4)])]))])
        }
        #expect(try await plugins[0].call("count", arguments: []) == [.u32(7)])
    }
}

/// Lets a `@Sendable` host function count calls.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
