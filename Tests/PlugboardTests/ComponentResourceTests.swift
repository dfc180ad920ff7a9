import Foundation
import Plugboard
import PlugboardTesting
import Synchronization
import Testing

/// Resources the host implements, handed to a component as handles (Fixtures/components/resources: a WIT with a
/// `thing` resource and a plugin using and misusing its handles, built with wasm-tools in the test run). The plugin
/// holds indices into its instance's handle table, never the host's values; a forged handle, one used after it was
/// dropped or given away, a double drop, or a handle of another type is a typed error; destructors run exactly once.
@Suite struct ComponentResourceTests {
    static let thing = WITResourceType("thing", interface: "demo:res/things@0.1.0")

    /// The host's side: makes numbered things and counts pokes and destructions.
    final class Things: Sendable {
        let made = Atomic<Int>(0)
        let poked = Atomic<Int>(0)
        let destroyed = Atomic<Int>(0)

        /// The world of things.wit, parsed: its resource's methods come out as `[method]thing.poke(self: borrow<thing>)`.
        let world: WITWorld

        init() throws {
            world = try WITPackage.load(path: ComponentResourceTests.wit).world(named: "user")
        }

        var hostFunctions: [HostFunction] {
            let module = "demo:res/things@0.1.0"
            func function(_ name: String) -> WITFunction { world.imports[0].function(named: name)! }
            return [
                HostFunction(module: module, function: function("make")) { _, _ in
                    let number = self.made.add(1, ordering: .relaxed).newValue
                    return [.resource(WITResource(ComponentResourceTests.thing, value: number) { _ in self.destroyed.add(1, ordering: .relaxed) })]
                },
                HostFunction(module: module, function: function("[method]thing.poke")) { _, arguments in
                    guard case .resource(let resource) = arguments[0], resource.value as? Int != nil else { throw PlugboardError.invalidArgument("no thing") }
                    self.poked.add(1, ordering: .relaxed)
                    return []
                },
                HostFunction(module: module, function: function("[method]gadget.spin")) { _, _ in [] },
                HostFunction(module: module, function: function("consume")) { _, arguments in
                    // The host owns the thing now: it returns its number and destroys it.
                    guard case .resource(let resource) = arguments[0], let number = resource.value as? Int else { throw PlugboardError.invalidArgument("no thing") }
                    resource.destroy()
                    return [.u32(UInt32(number) * 10)]
                },
            ]
        }
    }

    static let wit = Repository.path("Tests/PlugboardTests/Fixtures/components/resources/things.wit")

    static func component() async throws -> [UInt8] {
        try await WasmTools.component(
            wit: wit, world: "user",
            core: Repository.path("Tests/PlugboardTests/Fixtures/components/resources/user.wat"))
    }

    static func load(_ things: Things, name: String = "user") async throws -> (PluginHost, Plugin) {
        let host = PluginHost(configuration: .init(world: things.world, hostFunctions: things.hostFunctions))
        return (host, try await host.load(bytes: try await component(), name: name))
    }

    @Test func theWITOfAResourceGivesItsMethodsWithHandleTypes() throws {
        let things = try Things().world.imports[0]
        #expect(things.function(named: "[method]thing.poke")?.signature == "func(self: borrow<thing>)")
        #expect(things.function(named: "make")?.signature == "func() -> own<thing>")
        #expect(things.function(named: "consume")?.signature == "func(t: own<thing>) -> u32")
        #expect(things.function(named: "make")?.results == [.own(WITResourceType("thing", interface: "demo:res/things@0.1.0"))])
    }

    @Test func handlesAreMadeBorrowedAndDroppedWithTheHostsDestructorRunOnce() async throws {
        let things = try Things()
        let (_, plugin) = try await Self.load(things)
        #expect(try await plugin.call("run", arguments: [.u32(0)]) == [.u32(0)])
        #expect(things.made.load(ordering: .relaxed) == 1)
        #expect(things.poked.load(ordering: .relaxed) == 1)
        #expect(things.destroyed.load(ordering: .relaxed) == 1)
        // Given away: the host owns it (and destroys it), the plugin's handle is gone.
        #expect(try await plugin.call("run", arguments: [.u32(4)]) == [.u32(20)])
        #expect(things.destroyed.load(ordering: .relaxed) == 2)
    }

    @Test(arguments: [
        (1, "as a thing, but it holds no handle"),  // use after drop
        (2, "the plugin used handle 12345 as a thing, but it holds no handle 12345 (never given to it, or already dropped)"),
        (3, "as a thing, but it holds no handle"),  // double drop
        (5, "as a thing, but it holds no handle"),  // use after giving it away
        (8, "as a gadget, but it is a handle to a thing"),
    ])
    func aMisusedHandleIsATypedErrorAndNoDestructorRunsTwice(mode: UInt32, message: String) async throws {
        let things = try Things()
        let (_, plugin) = try await Self.load(things, name: "misuse-\(mode)")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("run", arguments: [.u32(mode)]) }
        #expect(error.code == .abiViolation, "\(error)")
        #expect(error.plugin == "misuse-\(mode)")
        #expect(error.message.contains(message), "\(error.message)")
        #expect(things.destroyed.load(ordering: .relaxed) <= things.made.load(ordering: .relaxed))
        // The plugin still answers.
        #expect(try await plugin.call("run", arguments: [.u32(0)]) == [.u32(0)])
    }

    @Test func aHandleKeptByThePluginIsDestroyedWhenItsInstanceGoes() async throws {
        let things = try Things()
        let (host, plugin) = try await Self.load(things)
        #expect(try await plugin.call("run", arguments: [.u32(6)]) != [.u32(0)])
        #expect(things.destroyed.load(ordering: .relaxed) == 0)
        try await host.unload("user")
        #expect(try await eventually(within: 30) { things.destroyed.load(ordering: .relaxed) == 1 })
    }

    /// Making handles forever ends at the table's bound with a typed error, and every thing made is destroyed.
    @Test func makingHandlesForeverStopsAtTheTablesBound() async throws {
        let things = try Things()
        let (_, plugin) = try await Self.load(things, name: "hoarder")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("run", arguments: [.u32(7)]) }
        #expect(error.code == .memoryLimitExceeded)
        #expect(error.message.contains("the plugin holds 65536 resource handles, the most an instance may"), "\(error.message)")
        #expect(try await plugin.call("run", arguments: [.u32(0)]) == [.u32(0)])
        #expect(try await eventually(within: 30) { things.destroyed.load(ordering: .relaxed) == things.made.load(ordering: .relaxed) })
    }
}
