import Foundation
import Plugboard
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

@Suite struct WITPackageTests {
    @Test func theCompiledInDefaultWorldIsTheOneInTheRepository() throws {
        let file = try String(contentsOfFile: Repository.path("wit/plugin.wit"), encoding: .utf8)
        #expect(DefaultWorld.witSource + "\n" == file)
        let loaded = try WITPackage.load(path: Repository.path("wit")).world(named: "plugin-world")
        #expect(loaded == DefaultWorld.world)
    }

    @Test func defaultWorldResolvesItsInterfacesAndTypes() {
        let world = DefaultWorld.world
        #expect(world.qualifiedName == "plugboard:plugin/plugin-world@1.0.0")
        #expect(world.imports.map(\.qualifiedName) == ["plugboard:plugin/host-api@1.0.0"])
        #expect(world.exports.map(\.qualifiedName) == ["plugboard:plugin/plugin-api@1.0.0"])
        let process = DefaultWorld.pluginAPI.function(named: "process")
        #expect(process?.signature == "func(req: process-request) -> process-response")
        guard case .record(let name, let fields)? = process?.results.first else {
            Issue.record("process-response is not a record")
            return
        }
        #expect(name == "process-response")
        #expect(fields == [WITField("output", .string), WITField("success", .bool), WITField("error-message", .option(.string))])
        #expect(DefaultWorld.hostAPI.function(named: "get-config")?.signature == "func(key: string) -> option<string>")
    }

    /// The core signatures and result areas of ../shared/notes/default-world-abi.md, checked there against wasmtime.
    @Test func defaultWorldLowersToTheDocumentedCoreSignatures() throws {
        let api = DefaultWorld.pluginAPI
        let host = DefaultWorld.hostAPI
        let i32 = CoreType.i32
        #expect(api.function(named: "initialize")?.coreExportSignature == CoreSignature(parameters: [i32, i32], results: [i32]))
        #expect(api.function(named: "process")?.coreExportSignature == CoreSignature(parameters: [i32, i32, i32, i32], results: [i32]))
        #expect(api.function(named: "shutdown")?.coreExportSignature == CoreSignature(parameters: [], results: [i32]))
        #expect(api.function(named: "get-metadata")?.coreExportSignature == CoreSignature(parameters: [], results: [i32]))
        #expect(host.function(named: "log-message")?.coreImportSignature == CoreSignature(parameters: [i32, i32, i32, i32, i32], results: []))
        #expect(host.function(named: "get-config")?.coreImportSignature == CoreSignature(parameters: [i32, i32, i32], results: []))
        #expect(host.function(named: "emit-event")?.coreImportSignature == CoreSignature(parameters: [i32, i32, i32, i32, i32], results: []))
        #expect(try #require(api.function(named: "process")?.resultArea) == (24, 4))
        #expect(try #require(api.function(named: "initialize")?.resultArea) == (12, 4))
        #expect(try #require(api.function(named: "get-metadata")?.resultArea) == (24, 4))
        #expect(api.coreExportName(of: "process") == "plugboard:plugin/plugin-api@1.0.0#process")
    }

    @Test func invalidWITNamesTheFileAndTheProblem() throws {
        let error = try #require(throws: PlugboardError.self) {
            try WITPackage.parse("package a:b@1.0.0;\ninterface i { f: func(x: no-such-type); }\nworld w { export i; }", fileName: "broken.wit")
        }
        #expect(error.code == .invalidWIT)
        #expect(error.description.contains("broken.wit"))
        #expect(error.description.contains("no-such-type"))
    }

    @Test func unknownWorldListsTheWorldsThereAre() throws {
        let error = try #require(throws: PlugboardError.self) { try DefaultWorld.package.world(named: "nope") }
        #expect(error.description.contains("plugin-world"))
        let missing = try #require(throws: PlugboardError.self) { try WITPackage.load(path: "/no/such/dir") }
        #expect(missing.code == .fileNotFound)
    }

    @Test func aPackageDirectoryResolvesInterfacesOfThePackagesInItsDeps() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-deps-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let dependency = directory.appendingPathComponent("deps/greetings")
        try FileManager.default.createDirectory(at: dependency, withIntermediateDirectories: true)
        try "package demo:greetings@0.1.0;\ninterface greet { hello: func(name: string) -> string; }\n"
            .write(to: dependency.appendingPathComponent("greet.wit"), atomically: true, encoding: .utf8)
        try "package demo:app;\nworld app { export demo:greetings/greet@0.1.0; }\n"
            .write(to: directory.appendingPathComponent("app.wit"), atomically: true, encoding: .utf8)
        let world = try WITPackage.load(path: directory.path).world(named: "app")
        #expect(world.exports.map(\.qualifiedName) == ["demo:greetings/greet@0.1.0"])
        #expect(world.exports.first?.function(named: "hello")?.signature == "func(name: string) -> string")
    }

    @Test func resourcesParseIntoHandleTypedFunctionsAndAForgedHandleIsATypedError() async throws {
        let package = try WITPackage.parse("""
            package a:b@1.0.0;
            interface files {
                resource file { size: func() -> u64; }
                open: func(path: string) -> file;
            }
            world w { export files; }
            """)
        let files = try #require(package.world(named: "w").exports.first)
        let file = WITResourceType("file", interface: "a:b/files@1.0.0")
        #expect(files.function(named: "open")?.results == [.own(file)])
        #expect(files.function(named: "[method]file.size")?.parameters.map(\.type) == [.borrow(file)])
        // A core module exporting `open` loads; the handle it returns must be one it holds (it holds none).
        let module = """
            (module (memory (export "memory") 1)
              (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 16))
              (func (export "a:b/files@1.0.0#open") (param i32 i32) (result i32) (i32.const 7))
              (func (export "a:b/files@1.0.0#[method]file.size") (param i32) (result i64) (i64.const 0)))
            """
        let host = PluginHost(configuration: .init(world: try package.world(named: "w"), hostFunctions: []))
        let plugin = try await host.load(bytes: Array(module.utf8), name: "files")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("open", arguments: [.string("/x")]) }
        #expect(error.code == .abiViolation)
        #expect(error.message.contains("the plugin used handle 7 as a file, but it holds no handle 7"), "\(error.message)")
    }

    @Test func handlesInsideRecordsVariantsAndResultsKeepTheirResourcesName() throws {
        let package = try WITPackage.parse("""
            package a:b@1.0.0;
            interface files {
                resource file;
                record named { label: string, item: file, spare: option<borrow<file>> }
                variant slot { empty, full(file) }
                open: func(n: named, s: slot) -> result<file, string>;
            }
            world w { export files; }
            """)
        let open = try #require(package.world(named: "w").exports.first?.function(named: "open"))
        let file = WITResourceType("file", interface: "a:b/files@1.0.0")
        #expect(open.parameters.map(\.type) == [
            .record(name: "named", fields: [WITField("label", .string), WITField("item", .own(file)), WITField("spare", .option(.borrow(file)))]),
            .variant(name: "slot", cases: [WITCase("empty"), WITCase("full", .own(file))]),
        ])
        #expect(open.results == [.result(ok: .own(file), error: .string)])
    }

    /// A record or variant names its handles as the interface that defines it knows them (through its own `use`s and
    /// renames), wherever the type is used: here `report` carries `failure`, which `relay` renamed from `error`, while
    /// `streams` means a different resource by the same name.
    @Test func handlesInARecordFromAnotherInterfaceNameTheResourceItsDefinerUses() throws {
        let package = try WITPackage.parse("""
            package test:res@0.1.0;
            interface error { resource error; }
            interface other { resource thing; }
            interface relay {
                use error.{error as failure};
                record report { code: u32, cause: failure }
                variant outcome { done, failed(failure) }
            }
            interface streams {
                use relay.{report, outcome};
                use other.{thing as failure};
                send: func(r: report, o: outcome, f: borrow<failure>);
            }
            world w { import streams; }
            """)
        let send = try #require(package.world(named: "w").imports.first?.function(named: "send"))
        let error = WITResourceType("error", interface: "test:res/error@0.1.0")
        let thing = WITResourceType("thing", interface: "test:res/other@0.1.0")
        #expect(send.parameters.map(\.type) == [
            .record(name: "report", fields: [WITField("code", .u32), WITField("cause", .own(error))]),
            .variant(name: "outcome", cases: [WITCase("done"), WITCase("failed", .own(error))]),
            .borrow(thing),
        ])
    }
}
