import Foundation
import Plugboard
import PlugboardTesting
import Synchronization
import Testing

/// Resources a component defines itself (Fixtures/components/resources/counters: a plugin making counters, built
/// with wasm-tools in the test run): the host receives handles to them as ``WITResource``s, passes them back as
/// `borrow` (the plugin sees its own representation) or `own` (once), and destroys them (the plugin's destructor
/// runs at its next call). The host's own resources are lent to the plugin for one call, and must be dropped by
/// its end. Misuse is a typed error and the plugin keeps answering.
@Suite struct ComponentDefinedResourceTests {
    static let directory = "Tests/PlugboardTests/Fixtures/components/resources"
    static let world: WITWorld = try! WITPackage.load(path: Repository.path(directory + "/counters.wit")).world(named: "provider")
    static let thing = WITResourceType("thing", interface: "demo:counters/things@0.1.0")

    /// Counts pokes of the host's things.
    final class Things: Sendable {
        let poked = Atomic<Int>(0)

        var hostFunctions: [HostFunction] {
            let things = ComponentDefinedResourceTests.world.imports[0]
            return [
                HostFunction(module: things.qualifiedName, function: things.function(named: "[method]thing.poke")!) { _, arguments in
                    guard case .resource(let thing) = arguments[0], thing.value as? String == "a thing" else { throw PlugboardError.invalidArgument("no thing") }
                    self.poked.add(1, ordering: .relaxed)
                    return []
                }
            ]
        }
    }

    static func component() async throws -> [UInt8] {
        try await WasmTools.component(wit: Repository.path(directory + "/counters.wit"), world: "provider", core: Repository.path(directory + "/counters.wat"))
    }

    static func load(_ things: Things = Things(), names: [String] = ["counters"]) async throws -> [Plugin] {
        let host = PluginHost(configuration: .init(world: world, hostFunctions: things.hostFunctions))
        let bytes = try await component()
        var plugins: [Plugin] = []
        for name in names { plugins.append(try await host.load(bytes: bytes, name: name)) }
        return plugins
    }

    static func counter(_ plugin: Plugin, _ start: UInt32) async throws -> WITResource {
        let results = try await plugin.call("[constructor]counter", arguments: [.u32(start)])
        guard case .resource(let counter) = results.first else { throw PlugboardError.invalidArgument("no counter in \(results)") }
        return counter
    }

    static func live(_ plugin: Plugin) async throws -> [WITValue] { try await plugin.call("live", arguments: []) }

    @Test func aPluginsResourceComesOutAsAHandleTheHostPassesBackByBorrowAndByOwn() async throws {
        let plugin = try await Self.load()[0]
        let seven = try await Self.counter(plugin, 7)
        #expect(seven.type.name == "counter")
        // Borrowed: the plugin reads its own representation, any number of times.
        #expect(try await plugin.call("[method]counter.get", arguments: [.resource(seven)]) == [.u32(7)])
        #expect(try await plugin.call("[method]counter.get", arguments: [.resource(seven)]) == [.u32(7)])
        let eight = try await Self.counter(plugin, 8)
        #expect(try await Self.live(plugin) == [.u32(2)])
        // Owned: the plugin takes it back, drops it, and its destructor runs.
        #expect(try await plugin.call("consume", arguments: [.resource(eight)]) == [.u32(8)])
        #expect(try await Self.live(plugin) == [.u32(1)])
        #expect(eight.isDestroyed)
        #expect(try await plugin.call("[method]counter.get", arguments: [.resource(seven)]) == [.u32(7)])
    }

    @Test func destroyingOneRunsThePluginsDestructorAtItsNextCallAndItCannotBeUsedAfter() async throws {
        let plugin = try await Self.load()[0]
        let counter = try await Self.counter(plugin, 1)
        #expect(try await Self.live(plugin) == [.u32(1)])
        counter.destroy()
        counter.destroy()  // once only
        #expect(try await Self.live(plugin) == [.u32(0)])
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("[method]counter.get", arguments: [.resource(counter)]) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("the counter was already destroyed or given back to the plugin"))
    }

    @Test func oneGoesBackAsOwnOnlyOnce() async throws {
        let plugin = try await Self.load()[0]
        let counter = try await Self.counter(plugin, 3)
        #expect(try await plugin.call("consume", arguments: [.resource(counter)]) == [.u32(3)])
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("consume", arguments: [.resource(counter)]) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("already destroyed or given back"))
        #expect(try await Self.live(plugin) == [.u32(0)])
    }

    @Test func droppingAHandleTwiceIsATypedErrorAndThePluginKeepsAnswering() async throws {
        let plugin = try await Self.load()[0]
        let counter = try await Self.counter(plugin, 5)
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("drop-twice", arguments: [.resource(counter)]) }
        #expect(error.code == .abiViolation)
        #expect(error.message.contains("as a counter, but it holds no handle"))
        #expect(error.description.contains("counters"))  // the plugin's name
        #expect(try await Self.live(plugin) == [.u32(0)])  // the first drop ran the destructor
    }

    @Test func aHandleTheHostLendsForACallMustBeDroppedByItsEnd() async throws {
        let things = Things()
        let plugin = try await Self.load(things)[0]
        let destroyed = Atomic<Int>(0)
        let thing = WITResource(Self.thing, value: "a thing") { _ in destroyed.add(1, ordering: .relaxed) }
        #expect(try await plugin.call("poke", arguments: [.resource(thing)]) == [])
        #expect(things.poked.load(ordering: .relaxed) == 1)
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("keep", arguments: [.resource(thing)]) }
        #expect(error.code == .abiViolation)
        #expect(error.message.contains("returned still holding 1 handle(s) the host lent it for the call"))
        // Lent, never given: the host's thing is alive, and the plugin can borrow it again.
        #expect(try await plugin.call("poke", arguments: [.resource(thing)]) == [])
        #expect(things.poked.load(ordering: .relaxed) == 2)
        #expect(destroyed.load(ordering: .relaxed) == 0 && !thing.isDestroyed)
    }

    @Test func aResourceGoesOnlyToTheInstanceThatMadeIt() async throws {
        let plugins = try await Self.load(names: ["first", "second"])
        let counter = try await Self.counter(plugins[0], 9)
        let error = try await #require(throws: PlugboardError.self) {
            try await plugins[1].call("[method]counter.get", arguments: [.resource(counter)])
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("the counter was made by another instance of the plugin"))
        #expect(error.hint?.contains("pool of one instance") == true)
        #expect(try await plugins[0].call("[method]counter.get", arguments: [.resource(counter)]) == [.u32(9)])
    }
}
