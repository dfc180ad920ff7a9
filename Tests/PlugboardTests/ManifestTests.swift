import Foundation
import Plugboard
import PlugboardTesting
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// `plugin.toml`: parsing into load options, errors naming key, table and line, the SHA-256 pin, and discovery
/// by `PluginHost.load(path:)`.
@Suite struct ManifestTests {
    static let full = """
        name = "text-transform"
        version = "1.2.0"
        wasm = "plugin.wat"
        world = "plugboard:plugin/plugin-world@1.0.0"
        policy = "standard"

        [config]
        zeta = "last letter"
        prefix = ">> "
        alpha = "first letter"

        [capabilities]
        env = ["HOME", "MODE=fast", "ABSENT"]
        args = ["--verbose", "x"]
        random = false
        stdio = "discard"

        [limits]
        max-memory-mb = 48
        fuel = 1000000
        stack-kb = 256
        max-output-mb = 2
        max-table-elements = 5000
        max-host-call-mb = 3
        max-message-kb = 8
        max-resource-handles = 512
        """

    @Test func fullManifestParsesIntoLoadOptions() throws {
        let manifest = try PluginManifest(parsing: Self.full, fileName: "plugin.toml")
        #expect(manifest.name == "text-transform")
        #expect(manifest.version == "1.2.0")
        #expect(manifest.wasm == "plugin.wat")
        #expect(manifest.policy == .standard)
        #expect(manifest.world == "plugboard:plugin/plugin-world@1.0.0")

        let options = manifest.loadOptions(environment: ["HOME": "/home/me", "SECRET": "no"])
        #expect(options.name == "text-transform")
        // File order, not TOMLKit's sorted order.
        #expect(options.configuration.map(\.key) == ["zeta", "prefix", "alpha"])
        #expect(options.configuration.map(\.value) == ["last letter", ">> ", "first letter"])
        #expect(options.capabilities.environment == ["HOME": "/home/me", "MODE": "fast"])
        #expect(options.capabilities.arguments == ["--verbose", "x"])
        #expect(options.capabilities.allowsClocks)  // from the standard policy
        #expect(!options.capabilities.allowsRandom)  // overridden
        #expect(options.capabilities.stdio == .discard)
        #expect(options.limits.maxMemoryBytes == 48 << 20)
        #expect(options.limits.fuelPerCall == 1_000_000)
        #expect(options.limits.stackBytes == 256 << 10)
        #expect(options.limits.maxOutputBytes == 2 << 20)
        #expect(options.limits.maxTableElements == 5_000)
        #expect(options.limits.maxHostCallBytes == 3 << 20)
        #expect(options.limits.maxMessageBytes == 8 << 10)
        #expect(options.limits.maxResourceHandles == 512)
    }

    @Test func emptyManifestIsRestricted() throws {
        let options = try PluginManifest(parsing: "", fileName: "plugin.toml").loadOptions(environment: ["HOME": "/"])
        #expect(options.capabilities == PluginCapabilities())
        #expect(!options.capabilities.allowsClocks && !options.capabilities.allowsRandom)
        #expect(options.capabilities.environment.isEmpty)
        #expect(options.limits.maxMemoryBytes == 32 << 20)
        #expect(options.limits.maxResourceHandles == 65_536)
        #expect(PluginPolicy.standard.limits.maxMemoryBytes == 64 << 20)
    }

    @Test func unknownKeyNamesKeyTableAndLine() throws {
        let text = """
            name = "x"

            [capabilities]
            clocks = true
            colour = "blue"
            """
        let error = try #require(throws: PlugboardError.self) { try PluginManifest(parsing: text, fileName: "plugin.toml") }
        #expect(error.code == .invalidManifest)
        #expect(error.message == "plugin.toml line 5: unknown key 'colour' in [capabilities] (allowed: env, args, clocks, random, stdio, network, dirs)")

        let top = try #require(throws: PlugboardError.self) { try PluginManifest(parsing: "name = \"x\"\nplugin = 3\n", fileName: "m.toml") }
        #expect(top.message.hasPrefix("m.toml line 2: unknown key 'plugin' in the top level (allowed: name, version, wasm"))
    }

    @Test func wrongTypeNamesKeyTableAndLine() throws {
        let text = """
            name = "x"
            [limits]
            fuel = 10
            max-memory-mb = "lots"
            """
        let error = try #require(throws: PlugboardError.self) { try PluginManifest(parsing: text, fileName: "plugin.toml") }
        #expect(error.code == .invalidManifest)
        #expect(error.message == "plugin.toml line 4: 'max-memory-mb' in [limits] must be an integer, not a string")

        let clocks = try #require(throws: PlugboardError.self) {
            try PluginManifest(parsing: "[capabilities]\nclocks = \"yes\"\n", fileName: "plugin.toml")
        }
        #expect(clocks.message == "plugin.toml line 2: 'clocks' in [capabilities] must be a boolean (true or false), not a string")

        let policy = try #require(throws: PlugboardError.self) { try PluginManifest(parsing: "policy = \"open\"", fileName: "plugin.toml") }
        #expect(policy.message == "plugin.toml line 1: 'policy' in the top level must be one of: restricted, standard; got 'open'")

        let syntax = try #require(throws: PlugboardError.self) { try PluginManifest(parsing: "name = \n", fileName: "plugin.toml") }
        #expect(syntax.code == .invalidManifest)
        #expect(syntax.message.hasPrefix("plugin.toml line 1, column"))
    }

    @Test func poolRolloutAndFailureTablesBecomeRolloutSettings() throws {
        let manifest = try PluginManifest(
            parsing: """
                name = "careful"
                [pool]
                size = 4
                max-invocations = 500
                idle-timeout-ms = 2000
                [rollout]
                canary-percent = 12.5
                keep-versions = 3
                min-calls = 20
                max-error-rate = 0.1
                max-trap-rate = 0.02
                max-p95-ratio = 2
                min-p95-ms = 15
                [failure]
                policy = "fail-open"
                fallback = "unavailable"
                max-crashes = 7
                crash-window-ms = 30000
                """, fileName: "plugin.toml")
        let settings = manifest.rollout
        #expect(settings.pool == InstancePoolConfiguration(size: 4, maxInvocations: 500, idleTimeout: .seconds(2)))
        #expect(settings.canaryPercent == 12.5)
        #expect(settings.keepVersions == 3)
        #expect(
            settings.guardrails
                == CanaryGuardrails(minimumCalls: 20, maxErrorRate: 0.1, maxTrapRate: 0.02, maxP95Ratio: 2, minimumP95: .milliseconds(15)))
        #expect(settings.failure == FailurePolicy(mode: .failOpen, fallback: "unavailable", maxCrashes: 7, crashWindow: .seconds(30)))
        #expect(try PluginManifest(parsing: "", fileName: "plugin.toml").rollout == RolloutSettings())
    }

    @Test func badRolloutValuesNameTheKeyAndWhatIsAllowed() throws {
        let percent = try #require(throws: PlugboardError.self) {
            try PluginManifest(parsing: "[rollout]\ncanary-percent = 150\n", fileName: "plugin.toml")
        }
        #expect(percent.message == "plugin.toml line 2: 'canary-percent' in [rollout] must be between 0 and 100, got 150")
        let policy = try #require(throws: PlugboardError.self) {
            try PluginManifest(parsing: "[failure]\npolicy = \"retry\"\n", fileName: "plugin.toml")
        }
        #expect(policy.message == "plugin.toml line 2: 'policy' in [failure] must be one of: fail-closed, fail-open, reload; got 'retry'")
        let unknown = try #require(throws: PlugboardError.self) { try PluginManifest(parsing: "[pool]\nwarm = 2\n", fileName: "plugin.toml") }
        #expect(unknown.message == "plugin.toml line 2: unknown key 'warm' in [pool] (allowed: size, max-invocations, idle-timeout-ms, max-queue, max-wait-ms)")
    }

    @Test func sha256MismatchIsRefusedNamingBothHashes() async throws {
        let directory = try Self.pluginDirectory(manifest: "sha256 = \"\(String(repeating: "ab", count: 32))\"\n")
        let actual = PluginManifest.sha256Hex(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/plugin.wat"))))
        let error = try await #require(throws: PlugboardError.self) { try await PluginHost().load(path: directory + "/plugin.wat") }
        #expect(error.code == .invalidManifest)
        #expect(error.message.contains("pins sha256 \(String(repeating: "ab", count: 32))"))
        #expect(error.message.contains("the file's sha256 is \(actual)"))

        // The right pin loads.
        let pinned = try Self.pluginDirectory(manifest: "sha256 = \"\(actual.uppercased())\"\n")
        let plugin = try await PluginHost().load(path: pinned + "/plugin.wat")
        #expect(plugin.name == "text-transform-wat")
    }

    @Test func theSHA256PinIsSpelledAsSha256sumPrintsIt() {
        // FIPS 180-2's test vector: what `printf abc | sha256sum` prints.
        #expect(PluginManifest.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(PluginManifest.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func manifestBesidePluginIsPickedUp() async throws {
        let directory = try Self.pluginDirectory(manifest: """
            name = "from-manifest"
            world = "plugboard:plugin/plugin-world@1.0.0"
            [config]
            prefix = "[m] "
            """)
        let host = PluginHost()
        let plugin = try await host.load(path: directory + "/plugin.wat")
        #expect(plugin.name == "from-manifest")
        try await plugin.initialize()  // the load's configuration: the manifest's [config]
        let response = try await plugin.process(ProcessRequest(input: "hi", options: [("mode", "uppercase")]))
        #expect(response.output == "[m] HI")

        // A directory works too, and explicit options win over the manifest.
        let other = try await host.load(path: directory, options: .init(name: "explicit"))
        #expect(other.name == "explicit")
    }

    @Test func worldMismatchIsRefused() async throws {
        let directory = try Self.pluginDirectory(manifest: "world = \"plugboard:plugin/plugin-world@2.0.0\"\n")
        let error = try await #require(throws: PlugboardError.self) { try await PluginHost().load(path: directory + "/plugin.wat") }
        #expect(error.code == .invalidManifest)
        #expect(error.message.contains("declares world plugboard:plugin/plugin-world@2.0.0 but this host serves plugboard:plugin/plugin-world@1.0.0"))
    }

    /// A temporary directory holding a copy of the WAT example and `plugin.toml` with `manifest`.
    static func pluginDirectory(manifest: String) throws -> String {
        let directory = try ProcessScratch.makeDirectory("manifest")
        try FileManager.default.copyItem(atPath: Repository.watPlugin, toPath: directory.appendingPathComponent("plugin.wat").path)
        try manifest.write(to: directory.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
        return directory.path
    }
}
