import Foundation
import Plugboard
import PlugboardTesting
import Synchronization
import Testing

/// Bindings generated at build time from `wit/resources` (the worlds of the resource fixtures in
/// Tests/PlugboardTests/Fixtures/components/resources) drive the fixture components, built with wasm-tools in the
/// test run: counters the plugin defines, made, borrowed, given back and destroyed through `Counter`; things the
/// host implements, served through the generated imports protocol; the host's boxes through the plugin inside
/// lists, options and tuples.
@Suite struct ResourceBindingsTests {
    static let fixtures = "Tests/PlugboardTests/Fixtures/components/resources"

    static func fixtureWorld(_ file: String, _ world: String) throws -> WITWorld {
        try WITPackage.load(path: SourceTree.path("\(fixtures)/\(file)")).world(named: world)
    }

    static func component(_ file: String, world: String, core: String) async throws -> [UInt8] {
        try await WasmTools.component(wit: SourceTree.path("\(fixtures)/\(file)"), world: world, core: SourceTree.path("\(fixtures)/\(core)"))
    }

    @Test func generatedWorldsAreTheFixtureWorlds() throws {
        let provider = try Self.fixtureWorld("counters.wit", "provider")
        #expect(CounterProvider.world.imports == provider.imports && CounterProvider.world.exports == provider.exports)
        let user = try Self.fixtureWorld("things.wit", "user")
        #expect(ThingUser.world.imports == user.imports && ThingUser.world.exports == user.exports)
        let keeper = try Self.fixtureWorld("shelf.wit", "keeper")
        #expect(BoxKeeper.world.imports == keeper.imports && BoxKeeper.world.exports == keeper.exports)
    }

    // MARK: counters the plugin defines

    /// Serves counters.wit's `things`: counts pokes of the host's things.
    final class Pokes: CounterProviderSyncImports {
        let count = Atomic<Int>(0)

        func thingPoke(context: HostCallContext, thing: Thing) throws {
            guard thing.resource.value as? String == "a thing" else { throw PlugboardError.invalidArgument("not the lent thing") }
            count.add(1, ordering: .relaxed)
        }
    }

    static func provider(_ pokes: Pokes = Pokes(), names: [String] = ["counters"]) async throws -> [CounterProviderExports] {
        let host = PluginHost(configuration: .init(world: CounterProvider.world, hostFunctions: pokes.hostFunctions()))
        let bytes = try await component("counters.wit", world: "provider", core: "counters.wat")
        var exports: [CounterProviderExports] = []
        for name in names { exports.append(CounterProviderExports(try await host.load(bytes: bytes, name: name))) }
        return exports
    }

    @Test func countersAreMadeBorrowedGivenBackAndDestroyedThroughTheirType() async throws {
        let exports = try await Self.provider()[0]
        let seven = try await Counter(start: 7, on: exports)
        let eight = try await Counter(start: 8, on: exports)
        #expect(seven != eight && seven.resource.type.name == "counter")
        // Borrowed: the plugin reads its own representation, any number of times.
        #expect(try await seven.get(on: exports) == 7)
        #expect(try await seven.get(on: exports) == 7)
        #expect(try await exports.live() == 2)
        // Owned: the plugin takes it back and drops it; its destructor runs.
        #expect(try await exports.consume(eight) == 8)
        #expect(eight.resource.isDestroyed)
        #expect(try await exports.live() == 1)
        // Destroyed by the host: the plugin's destructor runs at its next call.
        seven.resource.destroy()
        #expect(try await exports.live() == 0)
        let error = try await #require(throws: PlugboardError.self) { try await seven.get(on: exports) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("the counter was already destroyed or given back to the plugin"))
    }

    @Test func aCounterGoesBackAsOwnOnceAndOnlyToTheInstanceThatMadeIt() async throws {
        let both = try await Self.provider(names: ["first", "second"])
        let counter = try await Counter(start: 3, on: both[0])
        let elsewhere = try await #require(throws: PlugboardError.self) { try await both[1].consume(counter) }
        #expect(elsewhere.message.contains("the counter was made by another instance of the plugin"))
        #expect(try await both[0].consume(counter) == 3)
        let again = try await #require(throws: PlugboardError.self) { try await both[0].consume(counter) }
        #expect(again.message.contains("already destroyed or given back"))
        #expect(try await both[0].live() == 0)
    }

    @Test func aThingTheHostLendsIsPokedThroughTheGeneratedImportsAndMustBeDroppedByTheCallsEnd() async throws {
        let pokes = Pokes()
        let exports = try await Self.provider(pokes)[0]
        let destroyed = Atomic<Int>(0)
        let thing = Thing(hosting: "a thing") { _ in destroyed.add(1, ordering: .relaxed) }
        try await exports.poke(thing)
        #expect(pokes.count.load(ordering: .relaxed) == 1)
        let error = try await #require(throws: PlugboardError.self) { try await exports.keep(thing) }
        #expect(error.code == .abiViolation)
        #expect(error.message.contains("returned still holding 1 handle(s) the host lent it for the call"))
        try await exports.poke(thing)
        #expect(pokes.count.load(ordering: .relaxed) == 2)
        #expect(destroyed.load(ordering: .relaxed) == 0 && !thing.resource.isDestroyed)
    }

    @Test func aResourceTypeConvertsToAndFromDynamicValuesCheckingItsType() async throws {
        let exports = try await Self.provider()[0]
        let counter = try await Counter(start: 4, on: exports)
        #expect(counter.witValue == .resource(counter.resource))
        #expect(try Counter(witValue: counter.witValue) == counter)
        // A counter from a dynamic call is the same resource in the generated type.
        let dynamic = try await exports.plugin.call("[constructor]counter", arguments: [.u32(5)])
        let wrapped = try Counter(witValue: try #require(dynamic.first))
        #expect(try await wrapped.get(on: exports) == 5)
        let thing = Thing(hosting: 1)
        #expect { try Counter(thing.resource) } throws: { ($0 as? PlugboardError)?.code == .typeMismatch }
        #expect { try Counter(witValue: .u32(1)) } throws: { ($0 as? PlugboardError)?.code == .typeMismatch }
    }

    /// The typed handle functions generated code calls forward to the runtime's checks, and take only handle types.
    @Test func typedHandleFunctionsRefuseATypeThatIsNoHandle() async throws {
        let exports = try await Self.provider()[0]
        let thing = Thing(hosting: "a thing")
        let live = TypedExport(CounterProvider.world.exports[0], function: 2)
        let error = try await #require(throws: PlugboardError.self) {
            try await exports.plugin.call(live) { call in try call.lowering.handle(thing.resource, as: .u32) }
        }
        #expect(error.code == .invalidArgument && error.message.contains("u32 is not a handle type"), "\(error)")
        let mismatch = try await #require(throws: PlugboardError.self) {
            try await exports.plugin.call(live) { call in try call.lowering.handle(thing.resource, as: .own(Counter.resourceType)) }
        }
        #expect(mismatch.code == .typeMismatch, "\(mismatch)")
    }

    // MARK: things the host implements

    /// Serves things.wit's `things` through the generated protocol: makes numbered things, counts pokes and
    /// destructions, and takes things back (`consume`), destroying them.
    final class Things: ThingUserSyncImports {
        let made = Atomic<Int>(0)
        let poked = Atomic<Int>(0)
        let destroyed = Atomic<Int>(0)

        func make(context: HostCallContext) -> Thing {
            let number = made.add(1, ordering: .relaxed).newValue
            return Thing(hosting: number) { _ in self.destroyed.add(1, ordering: .relaxed) }
        }

        func consume(context: HostCallContext, t: Thing) throws -> UInt32 {
            guard let number = t.resource.value as? Int else { throw PlugboardError.invalidArgument("not a thing the host made") }
            t.resource.destroy()  // the host owns it now
            return UInt32(number) * 10
        }

        func thingPoke(context: HostCallContext, thing: Thing) throws {
            guard thing.resource.value is Int else { throw PlugboardError.invalidArgument("not a thing the host made") }
            poked.add(1, ordering: .relaxed)
        }

        func gadgetSpin(context: HostCallContext, gadget: Gadget) {}
    }

    static func user(_ things: Things, name: String = "user") async throws -> (PluginHost, ThingUserExports) {
        let host = PluginHost(configuration: .init(world: ThingUser.world, hostFunctions: things.hostFunctions()))
        let plugin = try await host.load(bytes: try await component("things.wit", world: "user", core: "user.wat"), name: name)
        return (host, ThingUserExports(plugin))
    }

    @Test func thingsTheHostMakesArePokedGivenBackAndDestroyedOnce() async throws {
        let things = Things()
        let (_, user) = try await Self.user(things)
        // make, poke, drop: the plugin's drop runs the host's destructor.
        #expect(try await user.run(0) == 0)
        #expect(things.made.load(ordering: .relaxed) == 1)
        #expect(things.poked.load(ordering: .relaxed) == 1)
        #expect(things.destroyed.load(ordering: .relaxed) == 1)
        // make, poke, consume: the plugin gives the thing back to the host, which destroys it.
        #expect(try await user.run(4) == 20)
        #expect(things.poked.load(ordering: .relaxed) == 2)
        #expect(things.destroyed.load(ordering: .relaxed) == 2)
    }

    @Test func aThingKeptByThePluginIsDestroyedWhenItsInstanceGoes() async throws {
        let things = Things()
        let (host, user) = try await Self.user(things)
        #expect(try await user.run(6) != 0)
        #expect(things.destroyed.load(ordering: .relaxed) == 0)
        try await host.unload("user")
        #expect(try await eventually(within: 30) { things.destroyed.load(ordering: .relaxed) == 1 })
    }

    @Test func aThingSpunAsAGadgetIsATypedErrorAndThePluginKeepsAnswering() async throws {
        let things = Things()
        let (_, user) = try await Self.user(things, name: "spinner")
        let error = try await #require(throws: PlugboardError.self) { try await user.run(8) }
        #expect(error.code == .abiViolation)
        #expect(error.message.contains("as a gadget, but it is a handle to a thing"), "\(error.message)")
        #expect(try await user.run(0) == 0)
    }

    // MARK: handles inside other types

    /// Serves shelf.wit's `boxes`: a box's label is its value.
    struct Labels: BoxKeeperSyncImports {
        func boxLabel(context: HostCallContext, box: Box) throws -> String {
            guard let label = box.resource.value as? String else { throw PlugboardError.invalidArgument("not a box the host made") }
            return label
        }
    }

    @Test func boxesGoThroughThePluginInsideListsOptionsAndTuplesAndComeBackTheSame() async throws {
        let host = PluginHost(configuration: .init(world: BoxKeeper.world, hostFunctions: Labels().hostFunctions()))
        let shelf = BoxKeeperExports(
            try await host.load(bytes: try await Self.component("shelf.wit", world: "keeper", core: "shelf.wat"), name: "shelf"))
        let destroyed = Atomic<Int>(0)
        let boxes = (0..<3).map { Box(hosting: "box \($0)") { _ in destroyed.add(1, ordering: .relaxed) } }
        // Owned, in a list (stored in the plugin's memory): the plugin takes them and gives them back.
        #expect(try await shelf.reverse(boxes) == Array(boxes.reversed()))
        #expect(try await shelf.reverse([]) == [])
        // Owned in an option and lent in a tuple (flat values); an owned one comes back in an option in a tuple.
        let (picked, number) = try await shelf.pick(boxes[0], lent: (boxes[1], 7))
        #expect(picked == boxes[0] && number == 7)
        let (none, other) = try await shelf.pick(nil, lent: (boxes[2], 8))
        #expect(none == nil && other == 8)
        // Given and given back, never dropped: no destructor ran, and the boxes go again.
        #expect(destroyed.load(ordering: .relaxed) == 0 && boxes.allSatisfy { !$0.resource.isDestroyed })
        #expect(try await shelf.reverse(boxes).count == 3)
    }
}
