import Foundation
import Logging
import Plugboard
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// Deny-by-default WASI capabilities (env, args, clocks, random, stdio) and runtime grants through
/// ``CapabilityManager`` (issue 4, acceptance 3), with `Fixtures/manifest/capability-probe.wat`.
@Suite struct CapabilityTests {
    static let probe = Repository.path("Tests/PlugboardTests/Fixtures/manifest/capability-probe.wat")

    func ask(_ plugin: Plugin, _ input: String) async throws -> String {
        try await plugin.process(ProcessRequest(input: input, options: [])).output
    }

    @Test func pluginSeesOnlyAllowlistedEnvironment() async throws {
        let host = PluginHost()
        let plugin = try await host.load(
            path: Self.probe,
            options: .init(capabilities: PluginCapabilities(environment: ["MODE": "fast", "HOME": "/home/plugin"], arguments: ["a", "b c"])))
        #expect(try await ask(plugin, "env") == "HOME=/home/plugin;MODE=fast")
        #expect(try await ask(plugin, "args") == "a;b c")

        let bare = try await host.load(path: Self.probe, options: .init(name: "bare"))
        #expect(try await ask(bare, "env") == "")
        #expect(try await ask(bare, "args") == "")
    }

    @Test func manifestEnvironmentTakesHostValuesAndLiterals() async throws {
        let manifest = try PluginManifest(parsing: "[capabilities]\nenv = [\"HOST_ONLY\", \"LIT=1\"]\n", fileName: "plugin.toml")
        let options = manifest.loadOptions(environment: ["HOST_ONLY": "from-host", "NOT_LISTED": "secret"])
        let plugin = try await PluginHost().load(path: Self.probe, options: options)
        #expect(try await ask(plugin, "env") == "HOST_ONLY=from-host;LIT=1")
    }

    @Test func deniedClocksAndRandomReturnEACCES() async throws {
        let host = PluginHost()
        let denied = try await host.load(path: Self.probe)  // default: restricted
        #expect(try await ask(denied, "clock") == "02")
        #expect(try await ask(denied, "random") == "02")

        let granted = try await host.load(path: Self.probe, options: .init(name: "granted", capabilities: .standard))
        #expect(try await ask(granted, "clock") == "00")
        #expect(try await ask(granted, "random") == "00")
    }

    @Test func wasiLibcPluginStartsWithClocksAndRandomDenied() async throws {
        let host = PluginHost()
        let plugin = try await host.load(path: Repository.cPlugin, options: .init(capabilities: PluginCapabilities()))
        try await plugin.initialize(config: [("prefix", "> ")])
        let response = try await plugin.process(ProcessRequest(input: "still works", options: [("mode", "uppercase")]))
        #expect(response.output == "> STILL WORKS")
        try await plugin.shutdown()
    }

    @Test func stdioIsLoggedOrDiscarded() async throws {
        let (logger, store) = RecordingLogHandler.logger()
        let host = PluginHost(logger: logger)
        let logged = try await host.load(path: Self.probe, options: .init(name: "logged"))
        #expect(try await ask(logged, "out") == "written")
        let discarded = try await host.load(path: Self.probe, options: .init(name: "discarded", capabilities: .init(stdio: .discard)))
        #expect(try await ask(discarded, "out") == "written")
        try await host.unload("logged")
        try await host.unload("discarded")
        let lines = store.all.filter { $0.message.contains("probe says hi") }
        #expect(lines.count == 1)
        #expect(lines.first?.metadata["plugin.name"] == "logged")
    }

    @Test func grantAndRevokeChangeTheNextInstantiation() async throws {
        let (logger, store) = RecordingLogHandler.logger()
        let manager = CapabilityManager(logger: logger)
        let host = PluginHost(configuration: .init(capabilityManager: manager))

        var plugin = try await host.load(path: Self.probe, options: .init(name: "probe"))
        #expect(try await ask(plugin, "clock") == "02")
        #expect(try await ask(plugin, "env") == "")

        await manager.grant(.clocks, to: "probe")
        await manager.grant(.env("TOKEN", value: "abc"), to: "probe")
        // The running instance keeps what it was instantiated with.
        #expect(try await ask(plugin, "clock") == "02")

        try await host.unload("probe")
        plugin = try await host.load(path: Self.probe, options: .init(name: "probe"))
        #expect(try await ask(plugin, "clock") == "00")
        #expect(try await ask(plugin, "env") == "TOKEN=abc")

        try await manager.revoke("clocks", from: "probe")
        try await manager.revoke("env:TOKEN", from: "probe")
        try await host.unload("probe")
        plugin = try await host.load(path: Self.probe, options: .init(name: "probe"))
        #expect(try await ask(plugin, "clock") == "02")
        #expect(try await ask(plugin, "env") == "")

        // Other plugins are not affected.
        let other = try await host.load(path: Self.probe, options: .init(name: "other"))
        #expect(try await ask(other, "env") == "")

        let changes = store.all.filter { $0.metadata["capability"] != nil }
        #expect(changes.map { "\($0.metadata["plugin.name"]!) \($0.metadata["change"]!) \($0.metadata["capability"]!)" } == [
            "probe granted clocks", "probe granted env:TOKEN", "probe revoked clocks", "probe revoked env:TOKEN",
        ])
    }

    @Test func unknownCapabilityListsTheKnownOnes() async throws {
        let manager = CapabilityManager()
        let error = try await #require(throws: PlugboardError.self) { try await manager.grant("filesystem", to: "probe") }
        #expect(error.code == .invalidArgument)
        #expect(error.message == "unknown capability 'filesystem' (known: env:NAME=VALUE, clocks, random, network:scheme://host[:port], fs-read:HOST[:GUEST], fs-write:HOST[:GUEST])")
    }
}
