import Foundation
import Plugboard
import PlugboardComponents
import PlugboardTesting
import PlugboardWasmKit
import Testing

/// One hostile component and what loading it must give.
struct HostileComponent: Sendable, CustomStringConvertible {
    var name: String
    var bytes: @Sendable () async throws -> [UInt8]
    var code: PlugboardError.Code
    /// What the error's message must contain: what is wrong, named.
    var message: String
    var limits = PluginLimits()

    var description: String { name }

    /// The component text `Fixtures/components/hostile/<name>.wat`.
    static func fixture(_ name: String, _ message: String, code: PlugboardError.Code = .invalidModule, limits: PluginLimits = PluginLimits()) -> Self {
        HostileComponent(name: name, bytes: { try await HostileComponentTests.assemble(name) }, code: code, message: message, limits: limits)
    }

    /// Bytes built in Swift, refused as malformed.
    static func built(_ name: String, _ message: String, _ bytes: @escaping @Sendable () async throws -> [UInt8]) -> Self {
        HostileComponent(name: name, bytes: bytes, code: .invalidModule, message: message)
    }
}

/// The hostile-component corpus: components that lie about indices, types and core signatures, overflow counts, nest
/// 10,000 deep, refer to themselves, fan out, ask for too much memory or loop at start-up, and the constructs
/// Plugboard does not run yet. Each is loaded through `PluginHost.load(bytes:name:)` in a host that also has a
/// well-behaved plugin loaded; each gets a `PlugboardError` with its code and a message naming what is wrong, leaves
/// nothing behind in the host, and the well-behaved plugin still answers `process` afterwards. The few that load
/// misbehave when called instead: each call fails with its error, again on the fresh instance the next call gets.
///
/// The fixtures are component text assembled by `wasm-tools parse`, which does not validate, so they can say what a
/// validator would refuse. Those that must get past the world check to be instantiated add one thing to
/// `well-formed.wat`, a minimal component exporting the default world's `plugin-api`, which itself loads.
@Suite struct HostileComponentTests {
    static let fixtures = Repository.path("Tests/PlugboardTests/Fixtures/components/hostile")

    /// `wasm-tools parse` of fixture `name`.
    static func assemble(_ name: String) async throws -> [UInt8] {
        try await WasmTools.parse(try String(contentsOfFile: "\(fixtures)/\(name).wat", encoding: .utf8))
    }

    /// Out-of-range indices of every kind, where a canon, alias, instantiation or export uses them.
    static let indices: [HostileComponent] = [
        .fixture("core-module-index-in-instantiate", "core module 3 does not exist (there are 1)"),
        .fixture("core-instance-index-in-instantiate", "core instance 7 does not exist (there are 0)"),
        .fixture("core-instance-index-in-alias", "core instance 5 does not exist (there are 1)"),
        .fixture("core-function-index-in-lift", "core function 9 does not exist (there are 0)"),
        .fixture("core-function-index-in-realloc", "core function 6 does not exist (there are 1)"),
        .fixture("core-memory-index-in-options", "core memory 4 does not exist (there are 0)"),
        .fixture("core-table-index-in-exports", "core table 3 does not exist (there are 0)"),
        .fixture("core-global-index-in-exports", "core global 2 does not exist (there are 0)"),
        .fixture("component-index-in-instantiate", "component 2 does not exist (there are 0)"),
        .fixture("instance-index-in-alias", "instance 4 does not exist (there are 0)"),
        .fixture("instance-index-in-export", "instance 3 does not exist (there are 0)"),
        .fixture("function-index-in-export", "function 7 does not exist (there are 0)"),
        .fixture("function-index-in-lower", "function 6 does not exist (there are 0)"),
        .fixture("function-index-in-instantiate-argument", "function 9 does not exist (there are 0)"),
        .fixture("type-index-in-lift", "type 8 does not exist (there are 1)"),
        .fixture("type-index-in-import", "type 5 does not exist (there are 0)"),
        .fixture("core-module-import-not-bound", "core module 0 imports 'env.f', and the component binds no instance 'env'"),
        .fixture("nested-import-not-given", "a nested component's import 'f' is not given when it is instantiated"),
    ]

    /// Outer aliases past the root or to themselves, and instantiation cycles (a validator refuses them all).
    static let cycles: [HostileComponent] = [
        .fixture("outer-alias-too-many-levels", "an outer alias 3 levels out of 1"),
        .fixture("outer-alias-to-itself", "outer type 0 does not exist (there are 0)"),
        .fixture("outer-alias-to-itself-in-instance-type", "outer type 0 does not exist (there are 0)"),
        .fixture("outer-alias-instantiates-itself", "outer component 0 does not exist (there are 0)"),
        .fixture("component-instantiates-itself-through-an-argument", "component instantiations nested more than 100 deep"),
    ]

    /// Types that are not what their use needs, or that grow past what the host lays out.
    static let types: [HostileComponent] = [
        .fixture("exponential-type", "a type of more than 100000 nodes once its references are resolved"),
        .fixture("value-type-that-is-a-function", "type 0 is used as a value type but is not one"),
        .fixture("lift-with-a-non-function-type", "canon lift with type 0, which is not a function type"),
    ]

    /// Canon options and core functions of the wrong kind or type: refused at instantiation, before any call.
    static let coreTypes: [HostileComponent] = [
        .fixture(
            "lift-of-process-with-wrong-core-type",
            "the lift of 'plugboard:plugin/plugin-api@1.0.0#process' is a core function of type (i32) -> i32, but its use needs (i32, i32, i32, i32) -> i32"),
        .fixture(
            "realloc-with-wrong-type",
            "the realloc of 'plugboard:plugin/plugin-api@1.0.0#initialize' is a core function of type (i32) -> i32, but its use needs (i32, i32, i32, i32) -> i32"),
        .fixture(
            "post-return-with-wrong-type",
            "the post-return of 'plugboard:plugin/plugin-api@1.0.0#process' is a core function of type (i32, i32) -> (), but its use needs (i32) -> ()"),
        .fixture(
            "lowered-import-memory-is-a-function",
            "the memory of import 'log-message' names 'get-metadata', which its core instance does not export as a memory"),
        .fixture(
            "lowered-import-realloc-is-a-memory",
            "the realloc of import 'log-message' names 'memory', which its core instance does not export as a function"),
        .fixture(
            "lift-of-a-lowered-import",
            "the component uses a lowered import as the lift of 'plugboard:plugin/plugin-api@1.0.0#get-metadata' (component composition), which Plugboard does not run"),
        .fixture("core-instantiation-argument-wrong-kind", "incompatible import type for env.memory, expected memory, got function", code: .unknownImport),
    ]

    /// Constructs Plugboard does not run yet: refused by name.
    static let unsupported: [HostileComponent] = [
        // Resource intrinsics and handles of a type that is no resource (type 0 is a u32).
        .fixture("resource-new", "not a valid WebAssembly component: canon resource intrinsic of type 0, which is not a resource type"),
        .fixture("resource-drop", "not a valid WebAssembly component: canon resource intrinsic of type 0, which is not a resource type"),
        .fixture("resource-rep", "not a valid WebAssembly component: canon resource intrinsic of type 0, which is not a resource type"),
        .fixture("own-handle", "not a valid WebAssembly component: a handle to type 0, which is not a resource type"),
        .fixture("borrow-handle", "not a valid WebAssembly component: a handle to type 0, which is not a resource type"),
        // Resources run (ComponentResourceTests, ComponentDefinedResourceTests); these misuse them.
        .fixture(
            "resource-destructor-of-the-wrong-type",
            "the destructor of 'resource-0' is a core function of type (i32, i32) -> (), but a destructor needs (i32) -> ()"),
        .fixture(
            "resource-new-of-an-imported-resource",
            "not a valid WebAssembly component: canon resource.new of 'thing', a resource type the component imports"),
        .fixture("re-export-imported-function", "the component uses re-exporting an imported function ('g'), which Plugboard does not run"),
        .fixture("lower-a-lifted-function", "the component uses lowering a lifted function (component composition), which Plugboard does not run"),
    ]

    /// Asking for too much: core instances, component instances, memory, tables, time.
    static let bombs: [HostileComponent] = [
        .fixture("component-fan-out", "more than 1000 core instantiations"),
        .fixture("component-fan-out-without-core-modules", "more than 10000 component instantiations"),
        .fixture("fan-out-memory", "of initial linear memory (514 pages) but its quota is 32 MiB", code: .memoryLimitExceeded),
        .fixture("huge-initial-memory", "the module asks for 4096 MiB of initial linear memory (65536 pages) but its quota is 32 MiB", code: .memoryLimitExceeded),
        .fixture("many-memories", "of initial linear memory (516 pages) but its quota is 32 MiB", code: .memoryLimitExceeded),
        .fixture("huge-table", "the module's tables start with 4294967295 elements but its quota is 100000", code: .memoryLimitExceeded),
        .fixture("million-entry-table", "the module's tables start with 1000000 elements but its quota is 100000", code: .memoryLimitExceeded),
        .fixture(
            "start-loops-forever", "the call used up its budget of 1000000 fuel units (about one per Wasm instruction) in guest function 'spin'", code: .fuelExhausted,
            limits: PluginLimits(fuelPerCall: 1_000_000)),
        .fixture("start-traps", "unreachable executed in guest function 'boom'", code: .trap),
    ]

    /// Components that load, and misbehave when `process` is called.
    static let calls: [HostileComponent] = [
        .fixture(
            "process-loops-forever", "the call used up its budget of 1000000 fuel units (about one per Wasm instruction) in guest function 'process'",
            code: .fuelExhausted, limits: PluginLimits(fuelPerCall: 1_000_000)),
        .fixture(
            "process-returns-pointer-out-of-bounds",
            "the plugin passed the result area returned at 4294967280 with length 24, past the end of its 65536-byte memory", code: .abiViolation),
        .fixture("post-return-traps", "the plugin trapped: unreachable executed in guest function 'process-post-return'", code: .trap),
    ]

    /// Cuts, counts of 2^32 − 1, nesting 10,000 deep and large definitions, built byte by byte.
    static let binary: [HostileComponent] = {
        typealias B = HostileComponentBytes
        var cases: [HostileComponent] = [
            .built("cut inside a section", "with only 20 left") { B.cutInsideFirstSection(try await assemble("well-formed")) },
            .built("cut inside a section size", "unexpected end of the component at byte 10") { ComponentParser.preamble + [7, 0x80] },
            .built("cut inside a type definition", "unexpected end of the component at byte 12") { B.component(B.section(7, [0x01, 0x72])) },
            .built("a u32 of six bytes", "a u32 longer than 5 bytes") { B.component(B.section(2, [0x80, 0x80, 0x80, 0x80, 0x80, 0x00])) },
            .built("an unknown section", "unknown section id 13") { B.component(B.section(13, [])) },
            .built("a custom section name that is not UTF-8", "a name that is not UTF-8") { B.component(B.section(0, [0x02, 0xFF, 0xFE])) },
            .built("a core module that is not one", "not a valid WebAssembly module") {
                B.component(B.section(1, [0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00]))
            },
            .built("components nested 10,000 deep", "components nested more than 16 deep") { B.nestedComponents(10_000) },
            .built("instance types nested 10,000 deep", "component types nested more than 16 deep") { B.nestedTypes(10_000, opening: 0x42) },
            .built("component types nested 10,000 deep", "component types nested more than 16 deep") { B.nestedTypes(10_000, opening: 0x41) },
            .built("lists nested 10,000 deep", "a type nested more than 100 deep once its references are resolved") { B.listChain(10_000) },
            .built("100,000 types, then a lift of type 100,000", "type 100000 does not exist (there are 100000)") { B.manyTypesThenOnePast(100_000) },
            .built("a function of 2,000 parameters of 65,535 nodes each", "whose types have more than 1000000 nodes together") {
                B.largeFunctionType(parameters: 2_000, exports: 1)
            },
            .built("a function of 65,536 nodes exported under 20 names", "whose types have more than 1000000 nodes together") {
                B.largeFunctionType(parameters: 1, exports: 20)
            },
            .built("an outer alias 2^32 - 1 levels out", "an outer alias 4294967295 levels out of 1") {
                B.component(B.section(6, [0x01, 0x03, 0x02] + B.maxCount + [0x00]))
            },
        ]
        // A count of 2^32 - 1 in five bytes, for each section with a vector and for vectors inside definitions.
        let counts: [(section: UInt8, prefix: [UInt8], what: String)] = [
            (2, [], "core instances"), (3, [], "core types"), (5, [], "instances"), (6, [], "aliases"), (7, [], "types"),
            (8, [], "canonical functions"), (10, [], "imports"), (11, [], "exports"),
            (2, [0x01, 0x00, 0x00], "core instantiation arguments"), (5, [0x01, 0x01], "inline exports"),
            (7, [0x01, 0x72], "record fields"), (7, [0x01, 0x40], "function parameters"), (7, [0x01, 0x42], "instance type declarations"),
            (8, [0x01, 0x00, 0x00, 0x00], "canonical options"),
        ]
        for (section, prefix, what) in counts {
            cases.append(
                .built("a count of 2^32 - 1 \(what)", "\(what): a count of 4294967295") {
                    B.component(B.section(section, prefix + B.maxCount))
                })
        }
        return cases
    }()

    @Test(arguments: indices + cycles + types + coreTypes + unsupported + bombs + binary)
    func isRefusedNamingWhatIsWrongAndTheWellBehavedPluginStillAnswers(_ hostile: HostileComponent) async throws {
        let engine = WasmKitEngine()
        let host = PluginHost(configuration: .init(engine: engine))
        let good = try await host.load(path: Repository.watPlugin, options: .init(name: "good"))
        let bytes = try await hostile.bytes()
        let error = try await #require(throws: PlugboardError.self) {
            try await host.load(bytes: bytes, name: hostile.name, options: .init(limits: hostile.limits))
        }
        #expect(error.code == hostile.code, "\(error)")
        #expect(error.message.contains(hostile.message), "\(error)")
        #expect(error.plugin == hostile.name, "\(error)")
        // Nothing of it stays: it is not registered, and no store of it is alive (the good plugin's one instance is).
        #expect(await host.plugins.map(\.name) == ["good"])
        #expect(engine.liveStoreCount == 1)
        let response = try await good.process(ProcessRequest(input: "still here", options: [("mode", "uppercase")]))
        #expect(response == ProcessResponse(output: "STILL HERE", success: true), "after \(hostile.name)")
    }

    @Test(arguments: calls)
    func loadsAndEachCallFailsNamingWhatIsWrongAndTheWellBehavedPluginStillAnswers(_ hostile: HostileComponent) async throws {
        let host = PluginHost()
        let good = try await host.load(path: Repository.watPlugin, options: .init(name: "good"))
        let plugin = try await host.load(bytes: try await hostile.bytes(), name: hostile.name, options: .init(limits: hostile.limits))
        // Wasmtime names the guest function from the module's name section only; these modules' functions are
        // named for WasmKit, not for it (it reports them by index), so there the message is compared without the name.
        var expected = hostile.message
        if PluginEngine.processDefault == .wasmtime, let name = expected.range(of: #" in guest function '[^']*'"#, options: .regularExpression) {
            expected.removeSubrange(name)
        }
        // The second call runs on a fresh instance: the first one's failure is not left behind.
        for attempt in 1...2 {
            let error = try await #require(throws: PlugboardError.self) { try await plugin.process(ProcessRequest(input: "x", options: [])) }
            #expect(error.code == hostile.code, "call \(attempt): \(error)")
            #expect(error.message.replacingOccurrences(of: #" in guest function '[^']*'"#, with: "", options: .regularExpression).contains(expected)
                || error.message.contains(hostile.message), "call \(attempt): \(error)")
            #expect(error.plugin?.hasPrefix(hostile.name) == true, "call \(attempt): \(error)")
            let response = try await good.process(ProcessRequest(input: "still here", options: [("mode", "uppercase")]))
            #expect(response == ProcessResponse(output: "STILL HERE", success: true), "after call \(attempt) of \(hostile.name)")
        }
        #expect(try await plugin.metadata().name == "hostile")
    }

    /// The start function that loops forever, under a deadline instead of a fuel budget: stopped at the load deadline
    /// (at least one second, whatever the plugin's call timeout), with a timeout error.
    @Test func aStartFunctionThatLoopsForeverIsStoppedAtTheLoadDeadline() async throws {
        let host = PluginHost()
        let good = try await host.load(path: Repository.watPlugin, options: .init(name: "good"))
        let bytes = try await Self.assemble("start-loops-forever")
        let error = try await #require(throws: PlugboardError.self) {
            try await host.load(bytes: bytes, name: "spin", options: .init(limits: PluginLimits(timeout: .milliseconds(10))))
        }
        #expect(error.code == .timeout, "\(error)")
        #expect(error.message.contains("over its wall-clock limit of 1000 ms"), "\(error)")
        #expect(try await good.process(ProcessRequest(input: "after", options: [("mode", "uppercase")])).output == "AFTER")
    }

    /// The component every instantiation-time fixture adds one thing to loads, and reports its metadata: what the
    /// fixtures are refused for is what they add.
    @Test func theWellFormedComponentTheFixturesAreBuiltOnLoads() async throws {
        let plugin = try await PluginHost().load(bytes: try await Self.assemble("well-formed"), name: "well-formed")
        #expect(plugin.version == "1.0.0")
        #expect(try await plugin.metadata().name == "hostile")
    }

    /// `lift-with-wrong-core-type.wat` (from `ComponentPluginTests`) lifts a `() -> ()` core function as
    /// `func(x: u32) -> u32`; in a host whose world is that function, a well-behaved core module still answers.
    @Test func aLiftWithTheWrongCoreTypeIsRefusedBesideAWellBehavedPluginOfItsWorld() async throws {
        let world = try WITPackage.parse("package t:bad@0.1.0;\nworld w { export f: func(x: u32) -> u32; }").world(named: "w")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: []))
        let good = try await host.load(
            bytes: Array("(module (func (export \"f\") (param i32) (result i32) local.get 0 i32.const 1 i32.add))".utf8), name: "good")
        let error = try await #require(throws: PlugboardError.self) {
            try await host.load(bytes: try await Self.assemble("lift-with-wrong-core-type"), name: "bad")
        }
        #expect(error.plugin == "bad")
        #expect(error.message.contains("the lift of 'f' is a core function of type () -> (), but its use needs (i32) -> i32"), "\(error)")
        #expect(try await good.call("f", arguments: [.u32(41)]) == [.u32(42)])
    }
}
