import Foundation
import Plugboard
import PlugboardComponents
import PlugboardTesting
import PlugboardWasmKit
import Synchronization
import Testing

/// A component flattened into core instantiation steps and run on the engine protocol's multi-instance store: the
/// wasm-tools shape (shim, main, fixup) end to end, with a Swift host import and a lifted export.
@Suite struct ComponentInstanceTests {
    @Test func thePlainComponentIsPlannedIntoThreeStepsAndRunsEndToEnd() async throws {
        let plan = try ComponentPlanner.plan(try ComponentParser.parse(try await ComponentParserTests.plain()))
        #expect(plan.steps.count == 3)
        #expect(plan.lowered.map { "\($0.interface ?? "")#\($0.function.signature)" } == ["demo:plug/host@0.1.0#func(msg: string)"])
        #expect(plan.exports.map { "\($0.interface ?? "")#\($0.function.name): \($0.function.signature)" } == ["demo:plug/api@0.1.0#greet: func(name: string) -> string"])

        let engine = WasmKitEngine()
        let logged = Mutex<[String]>([])
        let component = try ComponentInstance(
            plan: plan, engine: engine, store: engine.makeStore(limits: InstanceLimits(maxMemoryBytes: 1 << 20)),
            hosts: ["demo:plug/host@0.1.0#log": { arguments in
                logged.withLock { $0.append(arguments[0].stringValue ?? "?") }
                return []
            }],
            maxBytes: 1 << 20)
        #expect(try component.call("demo:plug/api@0.1.0", "greet", arguments: [.string("world")]) == [.string("hello, world")])
        #expect(try component.call("demo:plug/api@0.1.0", "greet", arguments: [.string("components")]) == [.string("hello, components")])
        // The export called the host import through the shim's table, which the fixup filled with the lowered import.
        #expect(logged.withLock { $0 } == ["world", "components"])

        let unknown = try #require(throws: PlugboardError.self) { try component.call("demo:plug/api@0.1.0", "wave", arguments: []) }
        #expect(unknown.code == .noSuchFunction)
    }

    @Test func anImportTheHostDoesNotProvideIsNamedWithWhatItOffers() async throws {
        let plan = try ComponentPlanner.plan(try ComponentParser.parse(try await ComponentParserTests.plain()))
        let engine = WasmKitEngine()
        let error = try #require(throws: PlugboardError.self) {
            try ComponentInstance(
                plan: plan, engine: engine, store: engine.makeStore(limits: InstanceLimits(maxMemoryBytes: 1 << 20)),
                hosts: ["demo:plug/host@0.1.0#print": { _ in [] }], maxBytes: 1 << 20)
        }
        #expect(error.code == .unknownImport)
        #expect(error.message.contains("'demo:plug/host@0.1.0#log'"))
        #expect(error.message.contains("demo:plug/host@0.1.0#print"))
    }

    @Test func everyWITValueTypeRoundTripsThroughAComponentAndBackThroughItsImports() async throws {
        let interface = CanonicalABIRoundTripTests.interface
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-echo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let wat = directory.appendingPathComponent("echo.wat").path
        try EchoGuest.wat(for: interface).write(toFile: wat, atomically: true, encoding: .utf8)
        let bytes = try await ComponentParserTests.build(
            wit: Repository.path("Tests/PlugboardTests/Fixtures/all-types/world.wit"), world: "echo-world", wat: wat)
        let plan = try ComponentPlanner.plan(try ComponentParser.parse(bytes))
        // The guest's export forwards to the host's import of the same name; the host answers its argument.
        var hosts: [String: ComponentInstance.HostImplementation] = [:]
        for function in interface.functions { hosts["\(interface.qualifiedName)#\(function.name)"] = { $0 } }
        let engine = WasmKitEngine()
        let component = try ComponentInstance(
            plan: plan, engine: engine, store: engine.makeStore(limits: InstanceLimits(maxMemoryBytes: 16 << 20)), hosts: hosts, maxBytes: 1 << 20)
        for (function, value) in CanonicalABIRoundTripTests.cases {
            #expect(try component.call(interface.qualifiedName, function, arguments: [value]) == [value], "\(function)")
        }
    }

    /// A small binary cannot make the plan large: instantiations and resolved type sizes are capped.
    @Test func fanOutAndTypeBlowUpAreRefusedWhilePlanning() throws {
        let section = ComponentParserTests.component(section:_:)
        let leb = ComponentParserTests.leb
        // A nested component that instantiates one (empty) core module, instantiated 2,000 times by the root.
        let emptyModule: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
        let nested = section(1, emptyModule) + [2] + leb(4) + [0x01, 0x00, 0x00, 0x00]
        let instances: [UInt8] = leb(2_000) + Array(repeating: [0x00, 0x00, 0x00] as [UInt8], count: 2_000).flatMap { $0 }
        let fanOut = ComponentParser.preamble + [4] + leb(UInt32(nested.count)) + nested + [5] + leb(UInt32(instances.count)) + instances
        let parsed = try ComponentParser.parse(fanOut)
        let tooMany = try #require(throws: PlugboardError.self) { try ComponentPlanner.plan(parsed) }
        #expect(tooMany.message.contains("more than 1000 core instantiations"))

        // t0 = tuple<u32, u32>, t(k) = tuple<t(k-1), t(k-1)>: 40 bytes that would resolve to 2^30 nodes.
        var types: [UInt8] = [30, 0x6F, 0x02, 0x79, 0x79]
        for k in 1..<30 { types += [0x6F, 0x02, UInt8(k - 1), UInt8(k - 1)] }
        let blowUp = try #require(throws: PlugboardError.self) { try ComponentPlanner.plan(try ComponentParser.parse(section(7, types))) }
        #expect(blowUp.message.contains("more than 100000 nodes"))
    }
}
