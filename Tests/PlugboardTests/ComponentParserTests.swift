import Foundation
import Plugboard
import PlugboardComponents
import PlugboardTesting
import PlugboardWasmKit
import Testing

/// The component binary format, parsed by Plugboard's own bounded parser: real components built in the test run
/// with wasm-tools (PyPI), every truncation of one, hostile counts and nesting, and each construct Plugboard does
/// not run refused by name.
@Suite struct ComponentParserTests {

    /// `wasm-tools component embed` + `component new` of `wat` with `wit`'s `world`.
    static func build(wit: String, world: String, wat: String) async throws -> [UInt8] {
        try await WasmTools.component(wit: wit, world: world, core: wat)
    }

    static func plain() async throws -> [UInt8] {
        try await build(
            wit: Repository.path("Tests/PlugboardTests/Fixtures/components/plain/plug.wit"), world: "plugin",
            wat: Repository.path("Tests/PlugboardTests/Fixtures/components/plain/core.wat"))
    }

    /// The top-level definitions counted by kind, named as components.md's structure listings name them.
    static func census(_ component: ParsedComponent) -> [String: Int] {
        var counts: [String: Int] = [:]
        for definition in component.definitions {
            let kind: String
            switch definition {
            case .custom: kind = "custom"
            case .coreModule: kind = "core module"
            case .coreInstance(.instantiate): kind = "core instance (instantiate)"
            case .coreInstance(.exports): kind = "core instance (inline exports)"
            case .coreType: kind = "core type"
            case .component: kind = "component (nested)"
            case .instance(.instantiate): kind = "instance (instantiate)"
            case .instance(.exports): kind = "instance (inline exports)"
            case .alias(let alias):
                switch alias.target {
                case .export: kind = "alias export"
                case .coreExport: kind = "alias core export"
                case .outer: kind = "alias outer"
                }
            case .type: kind = "type"
            case .canon(.lift): kind = "canon lift"
            case .canon(.lower): kind = "canon lower"
            case .canon: kind = "canon resource"
            case .import: kind = "import"
            case .export: kind = "export"
            }
            counts[kind, default: 0] += 1
        }
        counts["custom"] = nil
        return counts
    }

    @Test func theWasmToolsShapeParsesWithItsShimMainAndFixupModulesAndTheirLinks() async throws {
        let bytes = try await Self.plain()
        #expect(ComponentParser.isComponent(bytes))
        let component = try ComponentParser.parse(bytes)
        // The counts `wasm-tools print` shows for this component (../shared/notes/components/a/plain.component.structure.txt).
        #expect(Self.census(component) == [
            "alias core export": 5, "alias export": 1, "canon lift": 1, "canon lower": 1, "component (nested)": 1,
            "core instance (inline exports)": 2, "core instance (instantiate)": 3, "core module": 3, "export": 1, "import": 1,
            "instance (instantiate)": 1, "type": 2,
        ])
        // Each core module is a core module the engine compiles; main has the plugin's memory and realloc.
        let engine = WasmKitEngine()
        var exports: [[String]] = []
        for case .coreModule(let range) in component.definitions {
            let module = try engine.compile(Array(bytes[range]))
            exports.append(module.description.exports.map(\.name))
        }
        #expect(exports.contains { $0.contains("cabi_realloc") && $0.contains("memory") })
        #expect(exports.contains { $0.contains("$imports") })  // the shim's table
        // The import and the export carry the interface names, and the lift names its memory, realloc and post-return.
        #expect(component.definitions.contains { if case .import(name: "demo:plug/host@0.1.0", type: .instance) = $0 { true } else { false } })
        #expect(component.definitions.contains { if case .export(name: "demo:plug/api@0.1.0", item: _, type: _) = $0 { true } else { false } })
        let lift = component.definitions.compactMap { if case .canon(.lift(_, let options, _)) = $0 { options } else { nil } }.first
        #expect(lift?.memory != nil && lift?.realloc != nil && lift?.postReturn != nil)
    }

    @Test func everyWITTypeOfTheAllTypesWorldParses() async throws {
        let interface = try WITPackage.load(path: Repository.path("Tests/PlugboardTests/Fixtures/all-types")).world(named: "echo-world").exports[0]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-echo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let wat = directory.appendingPathComponent("echo.wat").path
        try EchoGuest.wat(for: interface).write(toFile: wat, atomically: true, encoding: .utf8)
        let bytes = try await Self.build(wit: Repository.path("Tests/PlugboardTests/Fixtures/all-types/world.wit"), world: "echo-world", wat: wat)
        let component = try ComponentParser.parse(bytes)
        var kinds = Set<String>()
        func collect(_ definitions: [ComponentDefinition]) {
            for definition in definitions {
                switch definition {
                case .type(let type): kinds.formUnion(Self.kinds(type))
                case .component(let nested): collect(nested.definitions)
                default: break
                }
            }
        }
        collect(component.definitions)
        #expect(kinds.isSuperset(of: ["record", "variant", "list", "tuple", "flags", "enum", "option", "result", "function", "instance"]))
    }

    static func kinds(_ type: ComponentTypeDefinition) -> Set<String> {
        switch type {
        case .primitive: ["primitive"]
        case .record: ["record"]
        case .variant: ["variant"]
        case .list: ["list"]
        case .tuple: ["tuple"]
        case .flags: ["flags"]
        case .enum: ["enum"]
        case .option: ["option"]
        case .result: ["result"]
        case .own, .borrow: ["handle"]
        case .function: ["function"]
        case .resource: ["resource"]
        case .component(let declarations), .instance(let declarations):
            declarations.reduce(into: [type.isComponent ? "component" : "instance"]) { kinds, declaration in
                if case .type(let inner) = declaration { kinds.formUnion(Self.kinds(inner)) }
            }
        }
    }

    /// A cut inside a section is a typed error; a cut between sections leaves a shorter valid component.
    @Test func everyTruncationOfARealComponentIsATypedErrorOrAShorterComponentAndNeverACrash() async throws {
        let bytes = try await Self.plain()
        let full = try ComponentParser.parse(bytes).definitions.count
        var refused = 0
        for length in 0..<bytes.count {
            do {
                let shorter = try ComponentParser.parse(Array(bytes[0..<length]))
                #expect(shorter.definitions.count < full, "truncated at \(length)")
            } catch is PlugboardError {
                refused += 1
            }
        }
        #expect(refused >= bytes.count - 20)  // at most one valid cut per top-level section
    }

    /// Seeded random mutations of a real component (byte flips, inserted and deleted bytes): each parses and plans,
    /// or is a typed error; none crashes the host (a smoke version of the fuzz target the issue asks for).
    @Test func tenThousandMutantsOfARealComponentParseAndPlanOrFailTyped() async throws {
        let original = try await Self.plain()
        var generator = SplitMix(seed: 0x5EED)
        var (planned, refused) = (0, 0)
        for _ in 0..<10_000 {
            var bytes = original
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
                default: if bytes.count > 9 { bytes.remove(at: position) }
                }
            }
            do {
                _ = try ComponentPlanner.plan(try ComponentParser.parse(bytes))
                planned += 1
            } catch is PlugboardError {
                refused += 1
            }
        }
        #expect(planned + refused == 10_000)
        #expect(planned > 0 && refused > 0)
    }

    /// A small deterministic generator (SplitMix64), so a failing mutant can be reproduced.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A component whose one section is `id` with `payload`.
    static func component(section id: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00, id] + leb(UInt32(payload.count)) + payload
    }

    static func leb(_ value: UInt32) -> [UInt8] { WasmEncoding.uleb(value) }

    @Test func hostileCountsAndNestingAreRefusedInLinearWork() throws {
        // 2^32 - 1 core instances announced in five bytes.
        let count = try #require(throws: PlugboardError.self) { try ComponentParser.parse(Self.component(section: 2, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])) }
        #expect(count.message.contains("a count of 4294967295"))
        // A section longer than the file.
        let long = try #require(throws: PlugboardError.self) { try ComponentParser.parse(ComponentParser.preamble + [7, 0x10, 0x01]) }
        #expect(long.message.contains("section 7 of 16 bytes with only 1 left"))
        // A u32 of six bytes.
        let wide = try #require(throws: PlugboardError.self) { try ComponentParser.parse(Self.component(section: 2, [0x80, 0x80, 0x80, 0x80, 0x80, 0x00])) }
        #expect(wide.message.contains("longer than 5 bytes"))

        // 10,000 nested components, built outside in without recursion.
        let depth = 10_000
        var sizes = [Int](repeating: 8, count: depth + 1)
        for level in stride(from: depth - 1, through: 0, by: -1) {
            let inner = sizes[level + 1]
            sizes[level] = 8 + 1 + Self.leb(UInt32(inner)).count + inner
        }
        var nested: [UInt8] = []
        nested.reserveCapacity(sizes[0])
        for level in 0..<depth { nested += ComponentParser.preamble + [4] + Self.leb(UInt32(sizes[level + 1])) }
        nested += ComponentParser.preamble
        #expect(nested.count == sizes[0])
        let deep = try #require(throws: PlugboardError.self) { try ComponentParser.parse(nested) }
        #expect(deep.message.contains("nested more than 16 deep"))

        // Component types nested 10,000 deep: instance types inside instance types.
        var types: [UInt8] = [0x01]  // one type
        for _ in 0..<depth { types += [0x42, 0x01, 0x01] }  // instance type with one declaration: a type
        types += [0x7F]
        let deepTypes = try #require(throws: PlugboardError.self) { try ComponentParser.parse(Self.component(section: 7, types)) }
        #expect(deepTypes.message.contains("nested more than 16 deep"))
    }

    @Test func constructsPlugboardDoesNotRunAreRefusedByName() throws {
        let cases: [(bytes: [UInt8], names: String)] = [
            (Self.component(section: 9, [0x00, 0x00, 0x00]), "start function"),
            (Self.component(section: 12, [0x00]), "component values"),
            (Self.component(section: 8, [0x01, 0x06]), "canonical built-in 0x6"),
            (Self.component(section: 8, [0x01, 0x01, 0x00, 0x00, 0x01, 0x01]), "UTF-16 strings"),
            (Self.component(section: 8, [0x01, 0x01, 0x00, 0x00, 0x01, 0x06]), "canonical option 0x6"),
            (Self.component(section: 7, [0x01, 0x66, 0x00]), "the stream type"),
            (Self.component(section: 7, [0x01, 0x65, 0x00]), "the future type"),
            (Self.component(section: 7, [0x01, 0x43]), "an async function type"),
            (Self.component(section: 3, [0x01, 0x50, 0x00]), "a core module type"),
        ]
        for (bytes, names) in cases {
            let error = try #require(throws: PlugboardError.self) { try ComponentParser.parse(bytes) }
            #expect(error.message.contains(names), "\(error.message)")
            #expect(error.message.contains("which Plugboard does not run"), "\(error.message)")
        }
    }
}

extension ComponentTypeDefinition {
    fileprivate var isComponent: Bool { if case .component = self { true } else { false } }
}
