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

/// The sandbox issue's acceptance 1 in one host: a hostile plugin for every attack, each with its documented
/// outcome, loaded beside a well-behaved plugin that must answer correctly after every attack and while one of
/// them spins. The same attacks are covered case by case in `LimitsTests`, `DeadlineTests`, `FilesystemTests`,
/// `HTTPFetchTests`, `CapabilityTests` and `HostileGuestTests`.
@Suite struct HostileCorpusTests {
    @Test func everyAttackGetsItsDocumentedOutcomeAndAWellBehavedPluginAnswersThroughout() async throws {
        let host = PluginHost(configuration: .init(hostFunctions: HostFunction.defaultHostAPI + HostFunction.outgoingHTTP()))
        let good = try await host.load(path: Repository.watPlugin, options: .init(name: "good"))
        var answered = 0
        func expectGoodAnswers(after attack: String) async throws {
            let response = try await good.process(ProcessRequest(input: "still here", options: [("mode", "uppercase")]))
            #expect(response == ProcessResponse(output: "STILL HERE", success: true), "after \(attack)")
            answered += 1
        }
        func failure(_ plugin: Plugin, _ input: String) async throws -> PlugboardError {
            try await #require(throws: PlugboardError.self) { try await plugin.process(ProcessRequest(input: input, options: [])) }
        }

        // Limits: infinite loop, deep recursion, memory bomb, 100 MB output.
        let limits = try await host.load(
            path: Repository.path("Tests/PlugboardTests/Fixtures/limits/limits.wat"),
            options: .init(
                name: "limits",
                limits: PluginLimits(maxMemoryBytes: 2 << 20, stackBytes: 64 << 10, maxOutputBytes: 1 << 20, timeout: .milliseconds(500))))
        let spin = Task { try await limits.process(ProcessRequest(input: "spin", options: [])) }
        for _ in 0..<3 { try await expectGoodAnswers(after: "an infinite loop started") }
        guard case .failure(let spinError as PlugboardError) = await spin.result else {
            Issue.record("spin should have been stopped")
            return
        }
        #expect(spinError.code == .timeout)
        try await expectGoodAnswers(after: "infinite loop")
        #expect(try await failure(limits, "recurse").code == .stackOverflow)
        try await expectGoodAnswers(after: "deep recursion")
        #expect(try await limits.process(ProcessRequest(input: "grow", options: [])).output == "pages=32")
        try await expectGoodAnswers(after: "memory bomb")
        #expect(try await failure(limits, "huge").code == .outputLimitExceeded)
        try await expectGoodAnswers(after: "100 MB output")

        // WASI with bad pointers.
        let badIovec = try await host.load(path: Repository.path("Tests/PlugboardTests/Fixtures/hostile/wasi-bad-iovec.wat"))
        for input in ["array", "buffer"] {
            #expect(try await badIovec.process(ProcessRequest(input: input, options: [])).output == "21", "EFAULT for a bad \(input)")
        }
        try await expectGoodAnswers(after: "fd_write with bad iovecs")

        // An environment variable that was not granted.
        let envProbe = try await host.load(path: Repository.path("Tests/PlugboardTests/Fixtures/manifest/capability-probe.wat"))
        #expect(try await envProbe.process(ProcessRequest(input: "env", options: [])).output == "")
        try await expectGoodAnswers(after: "reading the environment")

        // Files: writes under a read-only preopen, ../../etc/passwd, a symlink pointing outside.
        let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-corpus-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: sandbox) }
        let data = sandbox.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "kept".write(to: data.appendingPathComponent("file.txt"), atomically: true, encoding: .utf8)
        try "secret".write(to: sandbox.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("escape").path, withDestinationPath: "../secret.txt")
        let files = try await host.load(
            path: try await FSProbeGuest.path(repositoryRoot: Repository.root),
            options: .init(
                name: "fs-probe",
                capabilities: PluginCapabilities(directories: [PreopenedDirectory(hostPath: data.path, guestPath: "/data", access: .readOnly)])))
        func file(_ op: String, _ path: String, data: String = "") async throws -> String {
            try await files.process(ProcessRequest(input: "", options: [("op", op), ("path", path), ("path2", ""), ("data", data)])).output
        }
        #expect(try await file("read", "/data/file.txt") == "kept")
        #expect(try await file("write", "/data/file.txt", data: "overwritten") == "error 69")
        #expect(try await file("unlink", "/data/file.txt") == "error 69")
        #expect(try await file("read", "/data/../../etc/passwd") == "error 76")
        #expect(try await file("read", "../../etc/passwd") == "error 76")
        #expect(try await file("read", "/data/escape") == "error 32")
        #expect(try String(contentsOf: data.appendingPathComponent("file.txt"), encoding: .utf8) == "kept")
        try await expectGoodAnswers(after: "filesystem escapes")

        // Network: a host not on the list, and loopback when not listed (no request leaves the host).
        let net = try await host.load(
            bytes: try await HTTPFetchTests.probeBytes.value, name: "net-probe",
            options: .init(capabilities: PluginCapabilities(network: [try NetworkPattern(parsing: "https://api.example.com")])))
        for url in ["http://evil.example.net/", "http://127.0.0.1:9/"] {
            let output = try await net.process(ProcessRequest(input: url, options: [])).output
            #expect(output.hasPrefix("denied: "), "\(url): \(output)")
        }
        try await expectGoodAnswers(after: "network requests")

        #expect(answered == 11)
        // The limited plugin still serves on a fresh instance.
        #expect(try await limits.process(ProcessRequest(input: "fine", options: [])).output == "fine")
    }
}
