import ArgumentParser
import Foundation
import Plugboard
import PlugboardTesting
import PlugboardCLICommands
import Testing

/// `plugboard run --manifest FILE --allow-env NAME`, and manifest discovery beside the plugin.
@Suite struct ManifestOptionsTests {
    @Test func manifestAndAllowEnvParse() throws {
        let run = try Run.parse(["p.wat", "--input", "x", "--manifest", "m.toml", "--allow-env", "HOME", "--allow-env", "MODE=fast"])
        #expect(run.manifest == "m.toml")
        #expect(run.allowEnv == ["HOME", "MODE=fast"])
        let options = run.deriveLoadOptions(manifest: nil, environment: ["HOME": "/home/me", "OTHER": "no"])
        #expect(options.capabilities.environment == ["HOME": "/home/me", "MODE": "fast"])
        #expect(!options.capabilities.allowsClocks)
    }

    /// Only `plugboard exec` connects a guest to the host's own stdio: a plugin's manifest cannot ask for it.
    @Test func aManifestCannotInheritTheHostsStdio() throws {
        let error = try #require(throws: PlugboardError.self) { try PluginManifest(parsing: "[capabilities]\nstdio = \"inherit\"\n") }
        #expect(error.message.contains("must be one of: log, discard; got 'inherit'"), "\(error.message)")
        #expect(try PluginManifest(parsing: "[capabilities]\nstdio = \"discard\"\n").capabilities.stdio == .discard)
    }

    @Test func allowNetParsesAndAddsToTheManifestsAllowlist() throws {
        let run = try Run.parse(["p.wat", "--input", "x", "--allow-net", "https://api.example.com", "--allow-net", "http://127.0.0.1:8080"])
        #expect(run.allowNet.map(\.description) == ["https://api.example.com", "http://127.0.0.1:8080"])
        #expect(run.deriveLoadOptions(manifest: nil, environment: [:]).capabilities.network.count == 2)
        let manifest = try PluginManifest(parsing: "[capabilities]\nnetwork = [\"https://api.example.com\", \"https://b.example\"]\n")
        let merged = run.deriveLoadOptions(manifest: manifest, environment: [:]).capabilities.network.map(\.description)
        #expect(merged == ["https://api.example.com", "https://b.example", "http://127.0.0.1:8080"])
        #expect(try Run.parse(["p.wat", "--input", "x"]).deriveLoadOptions(manifest: nil, environment: [:]).capabilities.network.isEmpty)
    }

    @Test func aBadAllowNetPatternIsAUsageErrorSayingWhy() async throws {
        #expect(throws: (any Error).self) { try Run.parse(["p.wat", "--input", "x", "--allow-net", "example.com"]) }
        let result = try await plugboard(["run", Repository.watPlugin, "--input", "x", "--allow-net", "ftp://example.com"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--allow-net"))
        #expect(result.stderr.contains("'ftp' is not http or https"))
    }

    @Test func flagsOverrideTheManifest() throws {
        let manifest = try PluginManifest(
            parsing: "name = \"m\"\n[config]\nprefix = \"p\"\nkeep = \"k\"\n[capabilities]\nenv = [\"A=1\"]\n", fileName: "plugin.toml")
        let run = try Run.parse(["p.wat", "--input", "x", "--config", "prefix=>> ", "--name", "flag", "--allow-env", "B=2"])
        let options = run.deriveLoadOptions(manifest: manifest, environment: [:])
        #expect(options.name == "flag")
        #expect(options.configuration.map(\.key) == ["keep", "prefix"])
        #expect(options.configuration.map(\.value) == ["k", ">> "])
        #expect(options.capabilities.environment == ["A": "1", "B": "2"])
    }

    @Test func runUsesTheManifestInAPluginDirectory() async throws {
        let directory = try ProcessScratch.makeDirectory("cli-manifest")
        try FileManager.default.copyItem(atPath: Repository.watPlugin, toPath: directory.appendingPathComponent("plugin.wat").path)
        try "name = \"from-toml\"\n[config]\nprefix = \"[toml] \"\n".write(
            to: directory.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)

        let result = try await plugboard(["run", directory.path, "--input", "hi", "--option", "mode=uppercase", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"output\":\"[toml] HI\""))
        #expect(result.stdout.contains("\"plugin\":\"from-toml\""))

        // Beside a plugin file, and with --manifest pointing elsewhere.
        let beside = try await plugboard(["run", directory.appendingPathComponent("plugin.wat").path, "--input", "a", "--option", "mode=uppercase"])
        #expect(beside.stdout == "[toml] A\n")
        let other = directory.appendingPathComponent("other.toml")
        try "[config]\nprefix = \"[other] \"\n".write(to: other, atomically: true, encoding: .utf8)
        let explicit = try await plugboard([
            "run", directory.appendingPathComponent("plugin.wat").path, "--manifest", other.path, "--input", "a", "--option", "mode=uppercase",
        ])
        #expect(explicit.stdout == "[other] A\n")

        // A bad manifest is a clear error with its line.
        try "name = \"x\"\nbogus = 1\n".write(to: other, atomically: true, encoding: .utf8)
        let bad = try await plugboard(["run", directory.path, "--manifest", other.path, "--input", "a"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("line 2: unknown key 'bogus'"))
    }
}
