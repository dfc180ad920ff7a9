import Plugboard
import PlugboardTesting
import Foundation
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// Round trips every WIT value type through a generated guest (``EchoGuest``): host → guest export (flat or
/// spilled) → guest → host import (flat or spilled) → host writes the result area → host lifts it back.
@Suite struct CanonicalABIRoundTripTests {
    static let interface: WITInterface = {
        let package = try! WITPackage.load(path: Repository.path("Tests/PlugboardTests/Fixtures/all-types/world.wit"))
        return try! package.world(named: "echo-world").exports[0]
    }()

    static func echoPlugin() async throws -> Plugin {
        let world = try WITPackage.load(path: Repository.path("Tests/PlugboardTests/Fixtures/all-types/world.wit")).world(named: "echo-world")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: EchoGuest.hostFunctions(for: interface)))
        return try await host.load(bytes: Array(EchoGuest.wat(for: interface).utf8), name: "echo")
    }

    static let point = WITValue.record(["x": .s32(-3), "y": .s32(Int32.max)])

    static let cases: [(String, WITValue)] = [
        ("echo-bool", .bool(true)),
        ("echo-bool", .bool(false)),
        ("echo-s8", .s8(.min)),
        ("echo-s8", .s8(.max)),
        ("echo-u8", .u8(.max)),
        ("echo-s16", .s16(.min)),
        ("echo-u16", .u16(.max)),
        ("echo-s32", .s32(.min)),
        ("echo-u32", .u32(.max)),
        ("echo-s64", .s64(.min)),
        ("echo-s64", .s64(.max)),
        ("echo-u64", .u64(.max)),
        ("echo-f32", .f32(-1.5e38)),
        ("echo-f32", .f32(.infinity)),
        ("echo-f64", .f64(.pi)),
        ("echo-f64", .f64(-.greatestFiniteMagnitude)),
        ("echo-char", .char("🌍")),
        ("echo-char", .char("\u{10FFFF}")),
        ("echo-string", .string("")),
        ("echo-string", .string("héllo wörld 🌍 — ✓")),
        ("echo-string", .string(String(repeating: "x", count: 70_000))),
        ("echo-bytes", .list([])),
        ("echo-bytes", .list([.u8(0), .u8(255), .u8(7)])),
        ("echo-strings", .list([.string("a"), .string(""), .string("ünïcödé")])),
        ("echo-point", point),
        ("echo-items", .list([])),
        ("echo-items", .list([
            .record(["name": .string("widget"), "tags": .list([.string("b"), .string("a")]), "note": .option(.string("fragile")),
                     "score": .f64(0.25), "at": point]),
            .record(["name": .string(""), "tags": .list([]), "note": .option(nil), "score": .f64(-1), "at": point]),
        ])),
        ("echo-tuple", .tuple([.u8(1), .string("two"), .u64(.max)])),
        ("echo-shape", .variant(case: "circle", payload: .f32(2.5))),
        ("echo-shape", .variant(case: "rect", payload: point)),
        ("echo-shape", .variant(case: "empty", payload: nil)),
        ("echo-shape", .variant(case: "label", payload: .string("l"))),
        ("echo-shape", .variant(case: "big", payload: .u64(.max))),
        ("echo-shape", .variant(case: "pair", payload: .tuple([.u8(9), .f64(-0.5)]))),
        ("echo-shapes", .list([
            .variant(case: "circle", payload: .f32(1)), .variant(case: "big", payload: .u64(1 << 40)),
            .variant(case: "empty", payload: nil), .variant(case: "label", payload: .string("in a list")),
        ])),
        ("echo-color", .enum("green")),
        ("echo-nested-option", .option(nil)),
        ("echo-nested-option", .option(.option(nil))),
        ("echo-nested-option", .option(.option(.u32(42)))),
        ("echo-result", .ok(.string("fine"))),
        ("echo-result", .err(.u32(404))),
        ("echo-bare-result", .ok(nil)),
        ("echo-bare-result", .err(nil)),
        ("echo-error-only", .ok(nil)),
        ("echo-error-only", .err(.string("bad"))),
        ("echo-perms", .flags([])),
        ("echo-perms", .flags(["read", "exec"])),
        ("echo-twelve", .flags(["t0", "t8", "t11"])),
        ("echo-many-flags", .flags(["b0", "b15", "b16", "b31"])),
    ]

    @Test func everyTypeRoundTripsThroughAGuest() async throws {
        let plugin = try await Self.echoPlugin()
        for (function, value) in Self.cases {
            let result = try await plugin.call(function, arguments: [value])
            #expect(result == [value], "\(function)(\(value.description.prefix(80)))")
        }
    }

    @Test func moreThanSixteenFlatParametersSpillToMemoryBothWays() async throws {
        let plugin = try await Self.echoPlugin()
        let arguments: [WITValue] = [
            .u8(200), .s16(-300), .u32(4_000_000_000), .s64(-5_000_000_000), .f32(6.5), .f64(7.25), .char("ß"),
            .string("eight"), Self.point, .bool(true), .u64(.max), .s32(-12), .u16(13), .s8(-14), .list([.u8(1), .u8(2)]),
        ]
        let result = try await plugin.call("echo-many", arguments: arguments)
        #expect(result == [.tuple(arguments)])
    }

    /// A list lifted into `WITValue`s costs the host a heap box per element, so each element counts at least 16 bytes
    /// of the budget, not its one guest byte: under a 1 MiB budget, 65,536 bytes cross (both ways), 65,537 do not.
    @Test func eachElementLiftedIntoAWITValueCostsSixteenBytesOfTheBudget() async throws {
        let world = try WITPackage.load(path: Repository.path("Tests/PlugboardTests/Fixtures/all-types/world.wit")).world(named: "echo-world")
        let host = PluginHost(configuration: .init(world: world, hostFunctions: EchoGuest.hostFunctions(for: Self.interface)))
        var options = PluginHost.LoadOptions()
        options.limits.maxOutputBytes = 1 << 20
        let plugin = try await host.load(bytes: Array(EchoGuest.wat(for: Self.interface).utf8), name: "echo", options: options)
        let fits = WITValue.list(Array(repeating: .u8(7), count: 65_536))
        #expect(try await plugin.call("echo-bytes", arguments: [fits]) == [fits])
        let error = try await #require(throws: PlugboardError.self) {
            try await plugin.call("echo-bytes", arguments: [.list(Array(repeating: .u8(7), count: 65_537))])
        }
        // The guest hands the bytes to the host's echo-bytes import first: that lift is over its budget.
        #expect(error.code == .hostCallLimitExceeded)
        #expect(error.message.contains("a list<u8> of 65537 elements"))
    }

    @Test func aValueOfTheWrongTypeIsATypeMismatch() async throws {
        let plugin = try await Self.echoPlugin()
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("echo-point", arguments: [.string("no")]) }
        #expect(error.code == .typeMismatch)
        let unknownCase = try await #require(throws: PlugboardError.self) {
            try await plugin.call("echo-color", arguments: [.enum("purple")])
        }
        #expect(unknownCase.code == .typeMismatch)
        let wrongArity = try await #require(throws: PlugboardError.self) { try await plugin.call("echo-u8", arguments: []) }
        #expect(wrongArity.code == .typeMismatch)
    }

    @Test func theGeneratedGuestHasTheCoreSignaturesWasmToolsDerivesFromTheWIT() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-echo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let wat = directory.appendingPathComponent("echo.wat").path
        try EchoGuest.wat(for: Self.interface).write(toFile: wat, atomically: true, encoding: .utf8)
        // `component new` type-checks every core import and export against the canonical lowering of the WIT; it
        // throws with wasm-tools' diagnostics when one differs.
        let component = try await WasmTools.component(
            wit: Repository.path("Tests/PlugboardTests/Fixtures/all-types/world.wit"), world: "echo-world", core: wat)
        #expect(try PluginBinary(bytes: component).kind == .component)
    }
}
