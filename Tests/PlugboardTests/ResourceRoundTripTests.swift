import Foundation
import Plugboard
import PlugboardTesting
import Synchronization
import Testing

/// Resources of both kinds round-trip against a component built from generated C bindings (Fixtures/resources:
/// `resource-world`, its C plugin on `plugboard bindgen --guest c` output, made a component by wasm-tools in the
/// test run): the plugin's own `counter`s come out as handles and go back by borrow and by own, alone and inside
/// lists, options and records; the host's `blob`s go in by own and by lent borrow and come back.
@Suite struct ResourceRoundTripTests {
    /// The host's blobs: a byte buffer each, counted as made and destroyed.
    final class Blobs: Sendable {
        final class Blob: Sendable {
            let bytes: Mutex<[UInt8]>
            init(_ bytes: [UInt8]) { self.bytes = Mutex(bytes) }
        }

        let made = Atomic<Int>(0)
        let destroyed = Atomic<Int>(0)
        let world: WITWorld

        init() throws { world = try CResourceGuest.world(repositoryRoot: Repository.root) }

        var type: WITResourceType { WITResourceType("blob", interface: world.imports[0].qualifiedName) }

        func blob(_ bytes: [UInt8]) -> WITResource {
            made.add(1, ordering: .relaxed)
            return WITResource(type, value: Blob(bytes)) { _ in self.destroyed.add(1, ordering: .relaxed) }
        }

        static func bytes(_ value: WITValue?) throws -> [UInt8] {
            guard case .list(let elements)? = value else { throw PlugboardError.invalidArgument("no bytes") }
            return elements.compactMap { if case .u8(let byte) = $0 { byte } else { nil } }
        }

        static func blob(_ value: WITValue?) throws -> Blob {
            guard case .resource(let resource)? = value, let blob = resource.value as? Blob else { throw PlugboardError.invalidArgument("no blob") }
            return blob
        }

        var hostFunctions: [HostFunction] {
            let blobs = world.imports[0]
            func function(_ name: String) -> WITFunction { blobs.function(named: name)! }
            return [
                HostFunction(module: blobs.qualifiedName, function: function("[constructor]blob")) { _, arguments in
                    [.resource(self.blob(try Self.bytes(arguments.first)))]
                },
                HostFunction(module: blobs.qualifiedName, function: function("[method]blob.bytes")) { _, arguments in
                    [.list(try Self.blob(arguments.first).bytes.withLock { $0 }.map(WITValue.u8))]
                },
                HostFunction(module: blobs.qualifiedName, function: function("[method]blob.append")) { _, arguments in
                    let more = try Self.bytes(arguments.dropFirst().first)
                    try Self.blob(arguments.first).bytes.withLock { $0 += more }
                    return []
                },
                HostFunction(module: blobs.qualifiedName, function: function("[static]blob.concat")) { _, arguments in
                    // `a` is the host's again (own): its bytes go into the new blob, and it is destroyed.
                    guard case .resource(let a)? = arguments.first else { throw PlugboardError.invalidArgument("no blob") }
                    let bytes = try Self.blob(arguments.first).bytes.withLock { $0 } + (try Self.blob(arguments.dropFirst().first).bytes.withLock { $0 })
                    a.destroy()
                    return [.resource(self.blob(bytes))]
                },
            ]
        }
    }

    static func load(_ blobs: Blobs) async throws -> Plugin {
        let host = PluginHost(configuration: .init(world: blobs.world, hostFunctions: blobs.hostFunctions))
        let component = try await CResourceGuest.component(repositoryRoot: Repository.root)
        #expect(try PluginBinary(bytes: component).kind == .component)
        return try await host.load(bytes: component, name: "resource-world")
    }

    static func counter(_ results: [WITValue]) throws -> WITResource {
        guard case .resource(let counter)? = results.first else { throw PlugboardError.invalidArgument("no counter in \(results)") }
        return counter
    }

    static func name(_ plugin: Plugin, _ counter: WITResource) async throws -> String? {
        try await plugin.call("[method]counter.name", arguments: [.resource(counter)]).first?.stringValue
    }

    @Test func thePluginsCountersComeOutAndGoBackByBorrowAndByOwn() async throws {
        let plugin = try await Self.load(try Blobs())
        let apples = try Self.counter(try await plugin.call("[constructor]counter", arguments: [.string("apples"), .s64(5)]))
        let pears = try Self.counter(try await plugin.call("[constructor]counter", arguments: [.string("pears"), .s64(-2)]))
        #expect(try await plugin.call("[method]counter.add", arguments: [.resource(apples), .s64(3)]) == [.s64(8)])
        #expect(try await Self.name(plugin, apples) == "apples")
        #expect(try await plugin.call("live", arguments: []) == [.u32(2)])
        // merge consumes `apples` (its destructor runs in the plugin) and borrows `pears`.
        let merged = try Self.counter(try await plugin.call("[static]counter.merge", arguments: [.resource(apples), .resource(pears)]))
        #expect(try await Self.name(plugin, merged) == "apples+pears")
        #expect(try await plugin.call("[method]counter.add", arguments: [.resource(merged), .s64(0)]) == [.s64(6)])
        #expect(try await plugin.call("live", arguments: []) == [.u32(2)])
        // Destroyed by the host: the plugin's destructor runs at its next call.
        merged.destroy()
        pears.destroy()
        #expect(try await plugin.call("live", arguments: []) == [.u32(0)])
    }

    @Test func handlesInsideListsOptionsAndRecordsComeBackAsTheyWentIn() async throws {
        let plugin = try await Self.load(try Blobs())
        var counters: [WITResource] = []
        for name in ["a", "b", "c"] {
            counters.append(try Self.counter(try await plugin.call("[constructor]counter", arguments: [.string(name), .s64(1)])))
        }
        let listed = try await plugin.call("echo-counters", arguments: [.list(counters.map(WITValue.resource))])
        guard case .list(let back)? = listed.first else { Issue.record("no list: \(listed)"); return }
        var names: [String] = []
        for case .resource(let counter) in back { names.append(try await Self.name(plugin, counter) ?? "?") }
        #expect(names == ["a", "b", "c"])

        let maybe = try await plugin.call("echo-maybe", arguments: [.option(back.first)])
        guard case .option(.resource(let first)?)? = maybe.first else { Issue.record("no counter: \(maybe)"); return }
        #expect(try await Self.name(plugin, first) == "a")
        #expect(try await plugin.call("echo-maybe", arguments: [.option(nil)]) == [.option(nil)])

        let labelled = try await plugin.call("echo-labelled", arguments: [.record(["label": .string("second"), "item": back[1]])])
        #expect(labelled.first?[field: "label"]?.stringValue == "second")
        guard case .resource(let second)? = labelled.first?[field: "item"] else { Issue.record("no item: \(labelled)"); return }
        #expect(try await Self.name(plugin, second) == "b")
        #expect(try await plugin.call("live", arguments: []) == [.u32(3)])
    }

    @Test func theHostsBlobsGoInByOwnAndByLentBorrowAndComeBack() async throws {
        let blobs = try Blobs()
        let plugin = try await Self.load(blobs)
        // Own: the plugin appends through the blob's method and gives the same blob back.
        let blob = blobs.blob(Array("abc".utf8))
        let extended = try await plugin.call("extend-blob", arguments: [.resource(blob), .list([.u8(0x64), .u8(0x65)])])
        guard case .resource(let back)? = extended.first else { Issue.record("no blob: \(extended)"); return }
        #expect(back === blob)
        #expect(try Blobs.blob(.resource(blob)).bytes.withLock { $0 } == Array("abcde".utf8))
        // Borrows, lent for the call: the plugin builds a new blob from the counter's name and the lent blob's bytes.
        let counter = try Self.counter(try await plugin.call("[constructor]counter", arguments: [.string("n="), .s64(0)]))
        let made = try await plugin.call("blob-of", arguments: [.resource(counter), .resource(blob)])
        let newBlob = try Blobs.blob(made.first)
        #expect(newBlob.bytes.withLock { $0 } == Array("n=abcde".utf8))
        #expect(!blob.isDestroyed)
        // The intermediate blob the plugin made with the constructor went into concat as own and was destroyed.
        #expect(blobs.made.load(ordering: .relaxed) == 3)
        #expect(blobs.destroyed.load(ordering: .relaxed) == 1)
    }
}
