import Foundation
import Plugboard
import Synchronization
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// The version matrix of interface checks at load (issue 3, acceptance item 4): plugins built against
/// `plugboard:versioning` 1.0.0, 1.1.0 and 2.0.0 (`Fixtures/versioning/<version>/versioning.wit`; 1.1 adds the host
/// function `new-fn` and the export `extra`) loaded into hosts of 1.0.0 and 1.1.0. Plugins are the hand-written
/// `Fixtures/versioning/*.wat`; every refusal is `incompatibleInterface`, asserted with its full text.
@Suite struct InterfaceVersioningTests {
    /// A host whose world is `plugboard:versioning/plugin@<version>`, implementing every host-api function.
    struct VersionedHost {
        let host: PluginHost
        /// What plugins logged through `log-message`.
        let logged = Lines()

        final class Lines: Sendable {
            private let lines = Mutex<[String]>([])
            func append(_ line: String) { lines.withLock { $0.append(line) } }
            var all: [String] { lines.withLock { $0 } }
        }

        init(_ version: String) throws {
            let world = try InterfaceVersioningTests.world(version)
            let hostAPI = world.imports[0]
            let logged = self.logged
            let functions = try hostAPI.functions.map { function in
                try HostFunction(interface: hostAPI, function: function.name) { context, arguments in
                    switch function.name {
                    case "log-message":
                        logged.append("\(context.pluginName): \(arguments[1].stringValue ?? "")")
                        return [.ok(nil)]
                    case "get-config": return [.option(nil)]
                    case "new-fn":
                        guard case .u32(let n) = arguments[0] else { return [.u32(0)] }
                        return [.u32(n * 10)]
                    default: return [.ok(nil)]
                    }
                }
            }
            host = PluginHost(configuration: .init(world: world, hostFunctions: functions))
        }

        func load(_ plugin: String) async throws -> Plugin {
            try await host.load(path: InterfaceVersioningTests.fixture(plugin))
        }

        func load(_ name: String, wat: String) async throws -> Plugin {
            try await host.load(bytes: Array(wat.utf8), name: name)
        }
    }

    static func world(_ version: String) throws -> WITWorld {
        try WITPackage.load(path: Repository.path("Tests/PlugboardTests/Fixtures/versioning/\(version)/versioning.wit")).world(named: "plugin")
    }

    static func fixture(_ name: String) -> String {
        Repository.path("Tests/PlugboardTests/Fixtures/versioning/\(name).wat")
    }

    static func fixtureText(_ name: String) throws -> String {
        try String(contentsOfFile: fixture(name), encoding: .utf8)
    }

    static let request: WITValue = .record(["input": .string("versioned"), "options": .list([])])

    // MARK: loads

    @Test func aPluginBuiltFor1_0RunsOnA1_1HostAndCallingTheFunction1_1AddedFailsClearly() async throws {
        let bench = try VersionedHost("1.1.0")
        let plugin = try await bench.load("plugin-1.0")
        #expect(try await plugin.call("process", arguments: [Self.request]) == [.string("versioned")])
        // count calls host-api@1.0.0.log-message, which the host serves with its 1.1.0 implementation.
        #expect(try await plugin.call("count", arguments: [.u32(4)]) == [.u32(5)])
        #expect(bench.logged.all == ["plugin-1.0: count called"])

        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("extra", arguments: [.u32(1)]) }
        #expect(error.code == .noSuchFunction)
        #expect(error.description == """
            plugin 'plugin-1.0': the plugin was built against plugboard:versioning/plugin-api@1.0.0, which has no function 'extra' \
            (this host's plugboard:versioning/plugin-api@1.1.0 has it; the plugin exports: process, count). \
            Rebuild the plugin against plugboard:versioning/plugin-api@1.1.0 to call extra, \
            or do not call it on plugins built for plugboard:versioning/plugin-api@1.0.0
            """)
        // The failed call leaves the plugin usable, and the interface may be named by the plugin's version.
        #expect(try await plugin.call("count", interface: "plugboard:versioning/plugin-api@1.0.0", arguments: [.u32(1)]) == [.u32(2)])
    }

    @Test func aPluginBuiltFor1_1ThatDoesNotUseNewFnRunsOnA1_0Host() async throws {
        let bench = try VersionedHost("1.0.0")
        let plugin = try await bench.load("plugin-1.1")
        #expect(try await plugin.call("process", arguments: [Self.request]) == [.string("versioned")])
        #expect(try await plugin.call("count", arguments: [.u32(41)]) == [.u32(42)])
        #expect(bench.logged.all == ["plugin-1.1: count called"])
        // The host's 1.0 world has no `extra`: the plugin's newer export is ignored.
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("extra", arguments: [.u32(1)]) }
        #expect(error.code == .noSuchFunction)
    }

    @Test func aPluginBuiltFor1_1UsingNewFnRunsOnA1_1Host() async throws {
        let bench = try VersionedHost("1.1.0")
        let plugin = try await bench.load("plugin-1.1-new-fn")
        #expect(try await plugin.call("count", arguments: [.u32(4)]) == [.u32(40)])
        #expect(try await plugin.call("extra", arguments: [.u32(4)]) == [.u32(8)])
    }

    @Test(arguments: ["1.0.0", "1.1.0"])
    func aPluginOfTheHostsExactVersionLinks(host version: String) async throws {
        let bench = try VersionedHost(version)
        let plugin = try await bench.load(version == "1.0.0" ? "plugin-1.0" : "plugin-1.1")
        #expect(try await plugin.call("count", arguments: [.u32(0)]) == [.u32(1)])
    }

    @Test func aPluginBuiltFor2_0RunsOnA2_0Host() async throws {
        let bench = try VersionedHost("2.0.0")
        let plugin = try await bench.load("plugin-2.0")
        #expect(try await plugin.call("count", arguments: [.u64(1 << 40)]) == [.u64(1 << 40 + 1)])
    }

    // MARK: refusals

    @Test func aPluginBuiltFor1_1UsingNewFnIsRefusedByA1_0Host() async throws {
        let bench = try VersionedHost("1.0.0")
        let error = try await #require(throws: PlugboardError.self) { try await bench.load("plugin-1.1-new-fn") }
        #expect(error.code == .incompatibleInterface)
        #expect(error.description == """
            plugin 'plugin-1.1-new-fn': the plugin imports plugboard:versioning/host-api@1.1.0.new-fn, \
            but this host provides plugboard:versioning/host-api@1.0.0, which has no function new-fn \
            (it has: log-message, get-config, emit-event). \
            Rebuild the plugin against plugboard:versioning/host-api@1.0.0 without using new-fn, \
            or upgrade the host to a version of plugboard:versioning/host-api that has it
            """)
        #expect(await bench.host.plugins.isEmpty)
    }

    @Test(arguments: ["1.0.0", "1.1.0"])
    func aPluginBuiltFor2_0IsRefusedByA1_xHost(host version: String) async throws {
        let bench = try VersionedHost(version)
        let error = try await #require(throws: PlugboardError.self) { try await bench.load("plugin-2.0") }
        #expect(error.code == .incompatibleInterface)
        #expect(error.description == """
            plugin 'plugin-2.0': the plugin exports plugboard:versioning/plugin-api@2.0.0, \
            but this host's world plugboard:versioning/plugin@\(version) needs plugboard:versioning/plugin-api@\(version): \
            major versions 2 and 1 differ. \
            Rebuild the plugin against plugboard:versioning/plugin-api@\(version) (any 1.x version loads), \
            or load it in a host whose world exports plugboard:versioning/plugin-api 2.x
            """)
    }

    @Test func aPluginImportingA2_0HostInterfaceIsRefusedByA1_xHost() async throws {
        let bench = try VersionedHost("1.1.0")
        let wat = try Self.fixtureText("plugin-1.0").replacingOccurrences(
            of: "plugboard:versioning/host-api@1.0.0", with: "plugboard:versioning/host-api@2.0.0")
        let error = try await #require(throws: PlugboardError.self) { try await bench.load("imports-2.0", wat: wat) }
        #expect(error.code == .incompatibleInterface)
        #expect(error.description == """
            plugin 'imports-2.0': the plugin imports plugboard:versioning/host-api@2.0.0.log-message, \
            but this host provides plugboard:versioning/host-api@1.1.0: major versions 2 and 1 differ. \
            Rebuild the plugin against plugboard:versioning/host-api@1.1.0 (any 1.x version links), \
            or run it on a host that provides plugboard:versioning/host-api 2.x
            """)
    }

    @Test func aPluginWhoseProcessHasADifferentSignatureIsRefusedNamingBothSignaturesAndVersions() async throws {
        let bench = try VersionedHost("1.1.0")
        let error = try await #require(throws: PlugboardError.self) { try await bench.load("process-wrong-signature") }
        #expect(error.code == .incompatibleInterface)
        #expect(error.description == """
            plugin 'process-wrong-signature': the plugin exports 'plugboard:versioning/plugin-api@1.0.0#process' as (i32) -> i32, \
            expected (i32, i32, i32, i32) -> i32: process in this host's plugboard:versioning/plugin-api@1.1.0 is \
            func(req: process-request) -> string (the plugin was built against plugboard:versioning/plugin-api@1.0.0, \
            the host has plugboard:versioning/plugin-api@1.1.0; the host knows only its own WIT, \
            so it compares the core signatures both lower to). \
            Rebuild the plugin's bindings from the host's WIT (plugboard:versioning/plugin-api@1.1.0)
            """)
    }

    @Test func anImportWithADifferentSignatureAtAnotherVersionIsRefusedNamingBothVersions() async throws {
        let bench = try VersionedHost("1.1.0")
        let wat = try Self.fixtureText("plugin-1.0")
            .replacingOccurrences(of: "(func $log (param i32 i32 i32 i32 i32))", with: "(func $log (param i32 i32 i32 i32))")
            .replacingOccurrences(of: "(i32.const 12) (i32.const 256))", with: "(i32.const 12))")
        let error = try await #require(throws: PlugboardError.self) { try await bench.load("log-wrong-signature", wat: wat) }
        #expect(error.code == .incompatibleInterface)
        #expect(error.description == """
            plugin 'log-wrong-signature': the plugin imports 'plugboard:versioning/host-api@1.0.0.log-message' as \
            (i32, i32, i32, i32) -> (), expected (i32, i32, i32, i32, i32) -> (): log-message in this host's \
            plugboard:versioning/host-api@1.1.0 is func(level: string, message: string) -> result<_, string> \
            (the plugin was built against plugboard:versioning/host-api@1.0.0; the host knows only its own WIT, \
            so it compares the core signatures both lower to). \
            Rebuild the plugin's bindings from the host's WIT (plugboard:versioning/host-api@1.1.0)
            """)
    }

    // MARK: the rules

    @Test(arguments: [
        ("1.0.0", "1.1.0", true), ("1.1.0", "1.0.0", true), ("1.9.3", "1.0.0", true), ("2.0.0", "1.1.0", false),
        ("1.1.0", "2.0.0", false), ("0.2.0", "0.2.5", true), ("0.2.0", "0.3.0", false), ("0.0.1", "0.0.1", true),
        ("0.0.1", "0.0.2", false), ("1.0.0-rc.1", "1.0.0", false), ("1.0.0-rc.1", "1.0.0-rc.1", true),
    ])
    func versionsAreCompatibleAsSemverCaretRequirementsSay(plugin: String, host: String, compatible: Bool) throws {
        let plugin = try #require(SemanticVersion(plugin)), host = try #require(SemanticVersion(host))
        #expect(InterfaceCompatibility.isCompatible(plugin, with: host) == compatible)
    }
}
