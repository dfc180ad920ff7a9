import Foundation
import Plugboard
import PlugboardTesting
import Testing

/// Linking by WIT type: a component (and a core module carrying a `component-type` section) is checked against the
/// host's WIT types, not only the core signatures they flatten to; interface versions follow the semver rules of
/// core modules; a component importing WASI at a version other than 0.2 is refused naming every interface the host lacks.
@Suite struct ComponentLinkingTests {
    /// The default world's WIT and the WAT example with `replacements` applied to both, in a temporary directory.
    struct Variant {
        let directory: URL
        var wit: String { directory.appendingPathComponent("plugin.wit").path }
        var wat: String { directory.appendingPathComponent("plugin.wat").path }

        init(witReplacements: [(String, String)] = [], watReplacements: [(String, String)] = []) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-linking-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var wit = try String(contentsOfFile: Repository.path("wit/plugin.wit"), encoding: .utf8)
            var wat = try String(contentsOfFile: Repository.watPlugin, encoding: .utf8)
            for (old, new) in witReplacements {
                try #require(wit.contains(old), "wit/plugin.wit has no '\(old)'")
                wit = wit.replacingOccurrences(of: old, with: new)
            }
            for (old, new) in watReplacements {
                try #require(wat.contains(old), "plugin.wat has no '\(old)'")
                wat = wat.replacingOccurrences(of: old, with: new)
            }
            try wit.write(toFile: self.wit, atomically: true, encoding: .utf8)
            try wat.write(toFile: self.wat, atomically: true, encoding: .utf8)
        }

        func component() async throws -> [UInt8] { try await WasmTools.component(wit: wit, world: "plugin-world", core: wat) }
        func embedded() async throws -> [UInt8] { try await WasmTools.embed(wit: wit, world: "plugin-world", core: wat) }
        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static func loadError(_ bytes: [UInt8], name: String = "linked") async throws -> PlugboardError {
        try await #require(throws: PlugboardError.self) { try await PluginHost().load(bytes: bytes, name: name) }
    }

    // MARK: WIT types

    /// `emit-event`'s payload as `list<u8>` flattens to the same core signature as the host's `string`, so only a
    /// WIT-level check can tell: a component and an embedded core module are refused naming the parameter; the same
    /// core module without its `component-type` section still links (the host has only core signatures to go on).
    @Test func anImportWhoseWITTypeDiffersIsRefusedNamingInterfaceFunctionAndParameter() async throws {
        let variant = try Variant(witReplacements: [("emit-event: func(event-type: string, payload: string)", "emit-event: func(event-type: string, payload: list<u8>)")])
        defer { variant.remove() }
        let expected = "the plugin imports plugboard:plugin/host-api@1.0.0 function 'emit-event' with another WIT type than the host's: "
            + "parameter 'payload' is list<u8> in the plugin and string in the host"
        for bytes in [try await variant.component(), try await variant.embedded()] {
            let error = try await Self.loadError(bytes)
            #expect(error.code == .incompatibleInterface)
            #expect(error.plugin == "linked")
            #expect(error.message == expected)
            #expect(error.hint == "Rebuild the plugin against the host's WIT (plugboard:plugin/host-api@1.0.0)")
        }
        let bare = try PluginBinary(contentsOf: variant.wat).bytes
        let plugin = try await PluginHost().load(bytes: bare, name: "bare")
        #expect(try await plugin.process(ProcessRequest(input: "x")).output == "X")
    }

    @Test func anExportWhoseRecordFieldDiffersIsRefusedNamingTheField() async throws {
        let variant = try Variant(witReplacements: [("options: list<tuple<string, string>>,", "options: list<tuple<string, list<u8>>>,")])
        defer { variant.remove() }
        for bytes in [try await variant.component(), try await variant.embedded()] {
            let error = try await Self.loadError(bytes)
            #expect(error.code == .incompatibleInterface)
            #expect(
                error.message == "the plugin exports plugboard:plugin/plugin-api@1.0.0 function 'process' with another WIT type than the host's: "
                    + "element 1 of the element of field 'options' of process-request in parameter 'req' is list<u8> in the plugin and string in the host")
        }
    }

    @Test func aRecordWithRenamedFieldsIsRefusedSpellingBothRecords() async throws {
        let variant = try Variant(witReplacements: [("        success: bool,\n", "        succeeded: bool,\n")])
        defer { variant.remove() }
        let error = try await Self.loadError(try await variant.component())
        #expect(
            error.message == "the plugin exports plugboard:plugin/plugin-api@1.0.0 function 'process' with another WIT type than the host's: "
                + "the result is record { output: string, succeeded: bool, error-message: option<string> } in the plugin and "
                + "record { output: string, success: bool, error-message: option<string> } in the host")
    }

    // MARK: versions

    /// Built against 1.1.0 of both interfaces, a component links to the 1.0.0 host (same major) and answers.
    @Test func aComponentBuiltAgainstANewerMinorVersionLinksAndAnswers() async throws {
        let variant = try Variant(witReplacements: [("package plugboard:plugin@1.0.0;", "package plugboard:plugin@1.1.0;")], watReplacements: [("@1.0.0", "@1.1.0")])
        defer { variant.remove() }
        let plugin = try await PluginHost().load(bytes: try await variant.component(), name: "newer-minor")
        try await plugin.initialize(config: [])
        #expect(try await plugin.process(ProcessRequest(input: "semver", options: [("mode", "uppercase")])).output == "SEMVER")
    }

    @Test func aComponentBuiltAgainstAnotherMajorVersionIsRefusedSayingWhy() async throws {
        let variant = try Variant(witReplacements: [("package plugboard:plugin@1.0.0;", "package plugboard:plugin@2.0.0;")], watReplacements: [("@1.0.0", "@2.0.0")])
        defer { variant.remove() }
        let error = try await Self.loadError(try await variant.component(), name: "newer-major")
        #expect(error.code == .incompatibleInterface)
        #expect(error.plugin == "newer-major")
        #expect(
            error.message == "the plugin exports plugboard:plugin/plugin-api@2.0.0, but this host's world plugboard:plugin/plugin-world@1.0.0 "
                + "needs plugboard:plugin/plugin-api@1.0.0: major versions 2 and 1 differ")
    }

    /// A newer minor version whose WIT type differs: the message names both versions.
    @Test func aWITTypeMismatchAcrossVersionsNamesBothVersions() async throws {
        let variant = try Variant(
            witReplacements: [
                ("package plugboard:plugin@1.0.0;", "package plugboard:plugin@1.2.0;"),
                ("get-config: func(key: string) -> option<string>;", "get-config: func(key: string) -> option<list<u8>>;"),
            ], watReplacements: [("@1.0.0", "@1.2.0")])
        defer { variant.remove() }
        let error = try await Self.loadError(try await variant.component())
        #expect(
            error.message == "the plugin imports plugboard:plugin/host-api@1.2.0 function 'get-config' with another WIT type than the host's "
                + "(this host's is plugboard:plugin/host-api@1.0.0): the value of the result is list<u8> in the plugin and string in the host")
    }

    // MARK: WASI 0.2

    /// A component importing WASI interfaces (functions of `wasi:cli/stdout` and `wasi:random/random`, and
    /// `wasi:io/streams`, of which it only drops the `output-stream` resource stdout hands out): at 0.2.x Plugboard
    /// serves them and the component runs; at another version it is refused at load naming every interface, and the
    /// functions it calls. (wit-component leaves out `wasi:io/error`, unused.)
    @Test(arguments: ["0.2.0", "0.2.9", "0.3.0"])
    func aComponentImportingWASILinksAtVersion02AndIsRefusedListingEveryInterfaceAtAnother(version: String) async throws {
        let wasi = """

            world plugin-world-with-wasi {
                include plugin-world;
                import wasi:io/error@\(version);
                import wasi:cli/stdout@\(version);
                import wasi:random/random@\(version);
            }

            package wasi:io@\(version) {
                interface error { resource error; }
                interface streams {
                    use error.{error};
                    resource output-stream { blocking-write-and-flush: func(contents: list<u8>) -> result<_, error>; }
                }
            }
            package wasi:cli@\(version) {
                interface stdout { use wasi:io/streams@\(version).{output-stream}; get-stdout: func() -> output-stream; }
            }
            package wasi:random@\(version) {
                interface random { get-random-u64: func() -> u64; }
            }
            """
        let imports = """
            (module
              (import "wasi:cli/stdout@\(version)" "get-stdout" (func (result i32)))
              (import "wasi:io/streams@\(version)" "[resource-drop]output-stream" (func (param i32)))
              (import "wasi:random/random@\(version)" "get-random-u64" (func (result i64)))
            """
        let variant = try Variant(watReplacements: [("(module\n", imports)])
        defer { variant.remove() }
        try (try String(contentsOfFile: variant.wit, encoding: .utf8) + wasi).write(toFile: variant.wit, atomically: true, encoding: .utf8)
        let component = try await WasmTools.component(wit: variant.wit, world: "plugin-world-with-wasi", core: variant.wat)
        if version.hasPrefix("0.2.") {
            let plugin = try await PluginHost().load(bytes: component, name: "wasi-user")
            #expect(try await plugin.process(ProcessRequest(input: "served", options: [("mode", "uppercase")])).output == "SERVED")
            return
        }
        let error = try await Self.loadError(component, name: "wasi-user")
        #expect(error.code == .unknownImport)
        #expect(error.plugin == "wasi-user")
        #expect(
            error.message.hasPrefix(
                "the plugin imports 3 interface(s) the host does not provide: wasi:cli/stdout@0.3.0, wasi:random/random@0.3.0, "
                    + "wasi:io/streams@0.3.0 "
                    + "(it calls wasi:cli/stdout@0.3.0.get-stdout, wasi:random/random@0.3.0.get-random-u64); the host provides: "),
            "\(error.message)")
        #expect(error.message.contains("plugboard:plugin/host-api@1.0.0.emit-event"))
        #expect(error.message.contains("wasi:*@0.2.*"))
        #expect(error.hint?.hasPrefix("Plugboard serves WASI 0.2.x (wasi:*@0.2) to components") == true)
    }
}
