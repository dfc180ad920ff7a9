import Foundation
import Plugboard
import PlugboardTesting
import Testing

/// Typed calls through generated bindings (`Plugin.call(_:_:)` with an `ExportCall`) check, once per plugin, that
/// the export has the types the bindings were generated for, and keep the guest's contract on misuse.
@Suite struct TypedCallTests {
    /// A world whose `plugin-api` has a `process` of other types than the default world's.
    static let wit = """
        package plugboard:plugin@1.0.0;
        interface host-api { process: func(n: u32) -> u32; }
        interface plugin-api { process: func(n: u32) -> u32; }
        world other { import host-api; export plugin-api; }
        """

    /// A plugin of that world whose `process` forwards to the host, which answers n + 1 (see EchoGuest).
    static func load() async throws -> Plugin {
        let world = try WITPackage.parse(wit).world(named: "other")
        let hostFunctions = [
            try HostFunction(interface: world.imports[0], function: "process") { _, arguments in
                guard case .u32(let n) = arguments[0] else { return [] }
                return [.u32(n + 1)]
            }
        ]
        let wat = EchoGuest.wat(for: world.imports[0])
            .replacingOccurrences(of: "plugboard:plugin/host-api@1.0.0#", with: "plugboard:plugin/plugin-api@1.0.0#")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: hostFunctions))
        return try await host.load(bytes: Array(wat.utf8), name: "other")
    }

    @Test func bindingsForOtherTypesAreRefusedBeforeTheGuestRunsAndDynamicCallsStillWork() async throws {
        let plugin = try await Self.load()
        for _ in 0..<2 {  // the second call finds the resolution cached, and still refuses
            let error = try await #require(throws: PlugboardError.self) { try await plugin.process(ProcessRequest(input: "hi")) }
            #expect(error.code == .typeMismatch)
            #expect(error.plugin == "other")
            #expect(error.message.contains("func(n: u32) -> u32"))
            #expect(error.message.contains("process-request"))
            #expect(error.hint?.contains("Regenerate the bindings") == true)
        }
        #expect(try await plugin.call("process", arguments: [.u32(41)]) == [.u32(42)])
    }

    @Test func anExportCallInvokesTheGuestOnceAndHandWrittenBindingsSeeAnErrorNotACrash() async throws {
        let plugin = try await Self.load()
        let world = try WITPackage.parse(Self.wit).world(named: "other")
        let export = TypedExport(world.exports[0], function: 0)
        let doubled = try await #require(throws: PlugboardError.self) {
            try await plugin.call(export) { call -> UInt32 in
                _ = try call.invoke([.i32(1)])
                _ = try call.invoke([.i32(2)])
                return 0
            }
        }
        #expect(doubled.message.contains("invokes the guest once"))
        let never = try await #require(throws: PlugboardError.self) { try await plugin.call(export) { _ -> UInt32 in 0 } }
        #expect(never.message.contains("returned without calling the guest"))
        let answer = try await plugin.call(export) { call -> UInt32 in
            try call.withResults(try call.invoke([.i32(6)])) { reader in try reader.nextI32() }
        }
        #expect(answer == 7)
    }
}
