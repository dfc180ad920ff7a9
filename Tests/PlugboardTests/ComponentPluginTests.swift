import Foundation
import Plugboard
import PlugboardTesting
import Synchronization
import Testing

/// A component is a plugin like a core module: the WAT example, built as a component from source in the test run
/// (`wasm-tools component embed wit/ --world plugin-world` + `component new`), loads through `PluginHost` and answers
/// the same typed and dynamic calls as its core-module twin, with the default host API behind its imports.
@Suite struct ComponentPluginTests {
    static func exampleComponent() async throws -> [UInt8] {
        try await ComponentParserTests.build(
            wit: Repository.path("wit"), world: "plugin-world", wat: Repository.path("examples/plugins/text-transform-wat/plugin.wat"))
    }

    @Test func theWATExampleAsAComponentAnswersLikeItsCoreModuleTwin() async throws {
        let component = try await Self.exampleComponent()
        let core = try PluginBinary(contentsOf: Repository.path("examples/plugins/text-transform-wat/plugin.wat")).bytes
        let host = PluginHost()
        var events = host.events().makeAsyncIterator()
        let asComponent = try await host.load(bytes: component, name: "as-component")
        let asModule = try await host.load(bytes: core, name: "as-module")
        for plugin in [asComponent, asModule] {
            try await plugin.initialize(config: [("prefix", "> ")])
            let request = ProcessRequest(input: "hello components", options: [("mode", "uppercase")])
            #expect(try await plugin.process(request) == ProcessResponse(output: "> HELLO COMPONENTS", success: true), "\(plugin.name)")
            let dynamic = try await plugin.call("process", arguments: [request.witValue])
            #expect(try ProcessResponse(witValue: dynamic[0]).output == "> HELLO COMPONENTS")
            #expect(try await plugin.metadata().name == "text-transform-wat")
        }
        // emit-event reached the host from the component (through the shim table the fixup filled).
        var fromComponent = 0
        while fromComponent == 0, let event = await events.next() {
            if event.plugin == "as-component" { fromComponent += 1 }
        }
        #expect(fromComponent == 1)
    }

    @Test func aComponentForAnotherWorldIsRefusedNamingWhatItLacks() async throws {
        let plain = try await ComponentParserTests.plain()
        let error = try await #require(throws: PlugboardError.self) { try await PluginHost().load(bytes: plain, name: "plain") }
        #expect(error.plugin == "plain")
        #expect(error.message.contains("does not export 'plugboard:plugin/plugin-api@1.0.0#initialize'"))
    }

    /// A component that lies about a lifted function's core type (assembled with `wasm-tools parse`, which does not
    /// validate) is refused when instantiated, before any call could pass the wrong arguments.
    @Test func aLiftOfACoreFunctionWithTheWrongTypeIsRefused() async throws {
        let text = try String(contentsOfFile: Repository.path("Tests/PlugboardTests/Fixtures/components/hostile/lift-with-wrong-core-type.wat"), encoding: .utf8)
        let bad = try await WasmTools.parse(text)
        let world = try WITPackage.parse("package t:bad@0.1.0;\nworld w { export f: func(x: u32) -> u32; }").world(named: "w")
        let error = try await #require(throws: PlugboardError.self) {
            try await PluginHost(configuration: .init(world: world, hostFunctions: [])).load(bytes: bad, name: "bad")
        }
        #expect(error.plugin == "bad")
        #expect(error.message.contains("the lift of 'f' is a core function of type () -> (), but its use needs (i32) -> i32"))
    }
}
