import Foundation
import Plugboard
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// The errors table of the brief, one test per row, each asserting what the user reads: what happened, to which
/// plugin and function, and what to do. Row 1 (the guest's compilation target not installed) is a guest-build
/// error: `NewCommandTests.buildScriptWithoutACompilerExplainsAndInstallsNothing` and `scripts/wasm-cc`. Row 8
/// (Rust's "future not Send") is Swift's compile-time Sendable checking: `ConcurrencyRuleTests` (CLI tests).
@Suite struct ErrorTableTests {
    static let wit = """
        package test:rows@1.0.0;
        interface host { note: func(x: u32) -> u32; }
        interface api {
            poke: func(address: u32) -> u32;
            spin: func();
        }
        world rows { import host; export api; }
        """

    static func host() throws -> PluginHost {
        let world = try WITPackage.parse(wit).world(named: "rows")
        let note = try HostFunction(interface: world.imports[0], function: "note") { _, arguments in arguments }
        return PluginHost(configuration: .init(world: world, hostFunctions: [note]))
    }

    /// A plugin of the `rows` world: `poke` runs `pokeBody` (its parameter is local 0), `spin` never returns.
    static func plugin(
        version: String = "1.0.0", memoryPages: Int = 1, pokeBody: String = "(i32.load (local.get 0))", exportSpin: Bool = true,
        extra: String = ""
    ) -> [UInt8] {
        Array(
            """
            (module
              \(extra)
              (memory (export "memory") \(memoryPages))
              (func $poke (export "test:rows/api@\(version)#poke") (param i32) (result i32) \(pokeBody))
              \(exportSpin ? "(func (export \"test:rows/api@\(version)#spin\") (loop $l (br $l)))" : ""))
            """.utf8)
    }

    static func loadError(_ bytes: [UInt8], name: String = "row") async throws -> PlugboardError {
        try await #require(throws: PlugboardError.self) { try await Self.host().load(bytes: bytes, name: name) }
    }

    static func callError(
        _ function: String, _ arguments: [WITValue], bytes: [UInt8] = plugin(), limits: PluginLimits = PluginLimits()
    ) async throws -> PlugboardError {
        let plugin = try await Self.host().load(bytes: bytes, name: "row", options: .init(limits: limits))
        return try await #require(throws: PlugboardError.self) { try await plugin.call(function, arguments: arguments) }
    }

    /// Binary components and core modules both load; what is neither says which it is and how to build one.
    @Test func row2_aBinaryOfNeitherKindSaysWhichItIsAndHowToBuildOne() async throws {
        let unknown: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x02, 0x00]
        let error = try await Self.loadError(unknown)
        #expect(error.code == .wrongBinaryKind)
        #expect(error.plugin == "row")
        #expect(error.message.hasPrefix("this WebAssembly binary is neither a core module (version 01 00 00 00) nor a component (version 0d 00 01 00)"))
        #expect(error.message.hasSuffix("its version bytes are 0d 00 02 00"))
        #expect(error.hint?.contains("`wasm-tools component new`") == true)

        let text = try await Self.loadError(Array("(component)".utf8))
        #expect(text.code == .wrongBinaryKind)
        #expect(text.message.hasPrefix("this is WebAssembly component text"))
        #expect(text.hint?.contains("wasm-tools parse") == true)
    }

    @Test func row3_anIncompatibleInterfaceVersionNamesBothVersions() async throws {
        let error = try await Self.loadError(Self.plugin(version: "2.0.0"))
        #expect(error.code == .incompatibleInterface)
        #expect(error.message.contains("the plugin exports test:rows/api@2.0.0"))
        #expect(error.message.contains("needs test:rows/api@1.0.0: major versions 2 and 1 differ"))
        #expect(error.hint?.contains("Rebuild the plugin against test:rows/api@1.0.0") == true)
    }

    @Test func row4_anOutOfBoundsAccessNamesTheFunctionAndSaysItIsAPluginBug() async throws {
        let error = try await Self.callError("poke", [.u32(0xFFFF_FFF0)])
        #expect(error.code == .outOfBoundsMemoryAccess)
        #expect(error.plugin == "row")
        #expect(error.function == "test:rows/api@1.0.0#poke")
        #expect(error.message.hasPrefix("out of bounds memory access"))
        #expect(error.message.contains("the plugin touched memory it does not own"))
        #expect(error.message.contains("its linear memory is 64 KiB"))
        #expect(error.hint?.hasPrefix("This is a bug in the plugin") == true)
        #expect(error.isGuestFault)
    }

    @Test func row5_anUnknownImportNamesItAndListsWhatTheHostProvides() async throws {
        let error = try await Self.loadError(Self.plugin(extra: #"(import "env" "missing" (func (param i32)))"#))
        #expect(error.code == .unknownImport)
        #expect(error.message == "the plugin imports function 'env.missing', which the host does not provide; the host provides: test:rows/host@1.0.0.note, wasi:*@0.2.*, wasi_snapshot_preview1.*")
        #expect(error.hint?.contains("register a host function for this import") == true)
    }

    @Test func row6_aStackOverflowNamesTheLimitAndHowToRaiseIt() async throws {
        let error = try await Self.callError(
            "poke", [.u32(0)], bytes: Self.plugin(pokeBody: "(call $poke (local.get 0))"), limits: PluginLimits(stackBytes: 64 << 10))
        #expect(error.code == .stackOverflow)
        #expect(error.message.hasPrefix("stack overflow: the plugin exhausted the 64 KiB interpreter stack"))
        #expect(error.hint?.contains("raise PluginLimits.stackBytes") == true)
        #expect(error.hint?.contains("`stack-kb` under [limits] in plugin.toml") == true)
    }

    @Test func row7_aMemoryQuotaErrorGivesTheQuotaAndWhatWasAsked() async throws {
        let error = try await Self.loadError(Self.plugin(memoryPages: 1000))
        #expect(error.code == .memoryLimitExceeded)
        #expect(
            error.message
                == "resource limit exceeded: memory: the module asks for 65536000 bytes (62 MiB) of initial linear memory (1000 pages) but its quota is 32 MiB")
        #expect(error.hint?.hasPrefix("Raise PluginLimits.maxMemoryBytes") == true)
    }

    @Test func row9_aMissingExportTheWorldNeedsIsNamed() async throws {
        let error = try await Self.loadError(Self.plugin(exportSpin: false))
        #expect(error.code == .incompatibleInterface)
        #expect(error.message == "the plugin does not export 'test:rows/api@1.0.0#spin' (func()), which world test:rows/rows@1.0.0 requires")
    }

    @Test func row10_aTimeoutGivesTheLimitAndHowToRaiseIt() async throws {
        let error = try await Self.callError("spin", [], limits: PluginLimits(timeout: .milliseconds(100)))
        #expect(error.code == .timeout)
        #expect(error.function == "test:rows/api@1.0.0#spin")
        #expect(error.message.hasSuffix("over its wall-clock limit of 100 ms"))
        #expect(error.hint?.contains("raise PluginLimits.timeout") == true)
        #expect(error.hint?.contains("`timeout-ms` under [limits] in plugin.toml, or `plugboard run --timeout-ms N`") == true)
    }
}
