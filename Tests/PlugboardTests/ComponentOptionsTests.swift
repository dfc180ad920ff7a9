import Foundation
import Plugboard
import PlugboardTesting
import Testing

/// Each lift and lower of a component keeps its own canonical options (Fixtures/components/options: one memory, a
/// main module whose `cabi_realloc` always answers 1000, and an adapter whose realloc always answers 5000, lowering
/// the host import, as the WASI adapter's `cabi_import_realloc` does).
@Suite struct ComponentOptionsTests {
    static let directory = "Tests/PlugboardTests/Fixtures/components/options"

    static func load() async throws -> Plugin {
        let world = try WITPackage.load(path: Repository.path(directory + "/options.wit")).world(named: "opts")
        let host = world.imports[0]
        let name = HostFunction(module: host.qualifiedName, function: host.function(named: "name")!) { _, _ in [.string("adapter")] }
        let bytes = try await WasmTools.parse(try String(contentsOfFile: Repository.path(directory + "/options.wat"), encoding: .utf8))
        return try await PluginHost(configuration: .init(world: world, hostFunctions: [name])).load(bytes: bytes, name: "options")
    }

    @Test func aLoweredImportAllocatesWithItsOwnReallocAndAnExportWithItsOwn() async throws {
        let plugin = try await Self.load()
        #expect(try await plugin.call("landing", arguments: []) == [.u32(5000)])
        #expect(try await plugin.call("where", arguments: [.string("x")]) == [.u32(1000)])
    }
}
