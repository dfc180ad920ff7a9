import Foundation
import Logging
import Plugboard
import PlugboardBindgen
import PlugboardTesting
import Testing

/// WASI 0.2 for components, through a C program (Fixtures/wasi2/probe.c on bindings generated for probe.wit)
/// built in the test run with wasi-libc: as a core module it uses WASI preview 1, adapted into a component (the
/// reactor adapter) it uses WASI 0.2, and under the same capabilities both answer the same.
@Suite struct WASIPreview2Tests {
    enum Shape: String, CaseIterable, Sendable { case module, component }

    /// The probe, built once per test process.
    static let builds = Task { () throws -> [Shape: [UInt8]] in
        let (module, component) = try await buildC(
            wit: "Tests/PlugboardTests/Fixtures/wasi2/probe.wit", world: "probe", source: "Tests/PlugboardTests/Fixtures/wasi2/probe.c")
        return [.module: module, .component: component]
    }

    /// A C program (`source`) on bindings generated for `world` of the WIT at `wit` (paths in the repository), built
    /// with wasi-libc: the core module, and the component the reactor adapter makes of it.
    static func buildC(wit: String, world: String, source: String) async throws -> (module: [UInt8], component: [UInt8]) {
        let bindings = try CGuestBindgen.generate(world: try WITPackage.load(path: Repository.path(wit)).world(named: world))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-\(world)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try bindings.header.write(to: directory.appendingPathComponent(bindings.headerName), atomically: true, encoding: .utf8)
        try bindings.source.write(to: directory.appendingPathComponent(bindings.sourceName), atomically: true, encoding: .utf8)
        let core = directory.appendingPathComponent("\(world).wasm").path
        try await WasmCC.compile(
            [Repository.path(source), directory.appendingPathComponent(bindings.sourceName).path],
            flags: ["-I", directory.path], output: core, repositoryRoot: Repository.root)
        let component = try await WasmTools.component(wit: Repository.path(wit), world: world, core: core, adaptingWASI: true)
        return (Array(try Data(contentsOf: URL(fileURLWithPath: core))), component)
    }

    static func probe(
        _ shape: Shape, capabilities: PluginCapabilities = PluginCapabilities(), logger: Logger? = nil
    ) async throws -> Plugin {
        let world = try WITPackage.load(path: Repository.path("Tests/PlugboardTests/Fixtures/wasi2/probe.wit")).world(named: "probe")
        let host = logger.map { PluginHost(configuration: .init(world: world), logger: $0) } ?? PluginHost(configuration: .init(world: world))
        let bytes = try await builds.value[shape]!
        if shape == .component { #expect(try PluginBinary(bytes: bytes).kind == .component) }
        return try await host.load(bytes: bytes, name: "probe-\(shape)", options: PluginHost.LoadOptions(capabilities: capabilities))
    }

    static func run(_ plugin: Plugin, _ what: String) async throws -> String {
        let results = try await plugin.call("probe", arguments: [.string(what)])
        return results.first?.stringValue ?? "\(results)"
    }

    @Test(arguments: Shape.allCases)
    func theGrantedEnvironmentAndArgumentsExactly(shape: Shape) async throws {
        let plugin = try await Self.probe(shape, capabilities: PluginCapabilities(environment: ["B": "two", "A": "one"], arguments: ["probe", "an argument"]))
        #expect(try await Self.run(plugin, "env") == "A=one;B=two;")
        #expect(try await Self.run(plugin, "args") == "probe;an argument;")
        let bare = try await Self.probe(shape)
        #expect(try await Self.run(bare, "env") == "")
        #expect(try await Self.run(bare, "args") == "")
    }

    @Test(arguments: Shape.allCases)
    func standardOutputAndErrorGoToTheLogAndStandardInputIsEmpty(shape: Shape) async throws {
        let (logger, logs) = RecordingLogHandler.logger()
        let plugin = try await Self.probe(shape, logger: logger)
        #expect(try await Self.run(plugin, "stdout:to the log") == "written")
        #expect(try await Self.run(plugin, "stderr:an error line") == "written")
        let out = try #require(logs.all.first { $0.message == "to the log" })
        #expect(out.metadata["plugin.stream"] == "stdout")
        let err = try #require(logs.all.first { $0.message == "an error line" })
        #expect(err.metadata["plugin.stream"] == "stderr")
        #expect(err.metadata["plugin.name"] == "probe-\(shape)")
        #expect(try await Self.run(plugin, "stdin") == "read 0")
    }

    /// A stdout or stderr line longer than the plugin's message limit is cut there and marked, as a `log-message` is.
    @Test(arguments: Shape.allCases)
    func aLongOutputLineIsCutAtTheMessageLimit(shape: Shape) async throws {
        let (logger, logs) = RecordingLogHandler.logger()
        let world = try WITPackage.load(path: Repository.path("Tests/PlugboardTests/Fixtures/wasi2/probe.wit")).world(named: "probe")
        let plugin = try await PluginHost(configuration: .init(world: world), logger: logger).load(
            bytes: try await Self.builds.value[shape]!, name: "probe-\(shape)", options: .init(limits: PluginLimits(maxMessageBytes: 16)))
        #expect(try await Self.run(plugin, "stdout:0123456789abcdef and more") == "written")
        #expect(try await Self.run(plugin, "stderr:" + String(repeating: "e", count: 5_000)) == "written")
        #expect(try await Self.run(plugin, "stdout:short") == "written")
        let lines = logs.all.filter { $0.metadata["plugin.stream"] != nil }.map { "\($0.metadata["plugin.stream"]!): \($0.message)" }
        #expect(lines == ["stdout: 0123456789abcdef [cut at 16 bytes]", "stderr: eeeeeeeeeeeeeeee [cut at 16 bytes]", "stdout: short"])
    }

    @Test(arguments: Shape.allCases)
    func clocksAndRandomWhenGranted(shape: Shape) async throws {
        let plugin = try await Self.probe(shape, capabilities: PluginCapabilities(allowsClocks: true, allowsRandom: true))
        #expect(try await Self.run(plugin, "wall-clock") == "now")
        #expect(try await Self.run(plugin, "monotonic-clock") == "ordered")
        #expect(try await Self.run(plugin, "random") == "random")
    }

    /// Denied, preview 1 fails the calls (`EACCES`) and WASI 0.2, which has no error for them, answers zero.
    @Test(arguments: Shape.allCases)
    func deniedClocksAndRandomRevealNothing(shape: Shape) async throws {
        let plugin = try await Self.probe(shape)
        let expected: [String: String] =
            shape == .module
            ? ["wall-clock": "error", "monotonic-clock": "error", "random": "random: error"]
            : ["wall-clock": "zero", "monotonic-clock": "zero", "random": "zeros"]
        for (probe, answer) in expected { #expect(try await Self.run(plugin, probe) == answer, "\(probe)") }
    }

    /// With no directory granted there is nothing to open, by any path.
    @Test(arguments: Shape.allCases)
    func noFileIsReachableWithoutAGrantedDirectory(shape: Shape) async throws {
        let plugin = try await Self.probe(shape)
        for path in ["/etc/passwd", "../../etc/passwd", "data.txt"] {
            #expect(try await Self.run(plugin, "open:" + path) == "ENOTCAPABLE", "\(path)")
        }
    }

    /// WASI 0.2.0's `exit` takes only ok or error, so the adapter turns every failing status into 1.
    @Test(arguments: Shape.allCases)
    func exitEndsTheCallWithItsCode(shape: Shape) async throws {
        let plugin = try await Self.probe(shape)
        let error = try await #require(throws: PlugboardError.self) { try await Self.run(plugin, "exit:3") }
        #expect(error.code == .pluginExited)
        #expect(error.message == (shape == .module ? "the plugin called proc_exit(3)" : "the plugin called wasi:cli/exit.exit(err) (exit code 1)"), "\(error.message)")
        #expect(error.exitCode == (shape == .module ? 3 : 1))
        // The plugin is usable again (a fresh instance).
        #expect(try await Self.run(plugin, "stdin") == "read 0")
    }

    // MARK: what a C program using WASI 0.2 directly is refused (Fixtures/wasi2/misuse)

    /// The misuse programs (C on bindings generated from their worlds, which import WASI 0.2 interfaces directly, as
    /// a cargo wasip2 program does), built with wasi-libc and adapted into components, once per test process.
    static let misuseBuild = Task { try await buildC(wit: misuseFixtures + "/wit", world: "misuse", source: misuseFixtures + "/misuse.c").component }
    static let misuseFilesBuild = Task {
        try await buildC(wit: misuseFixtures + "/wit", world: "misuse-files", source: misuseFixtures + "/misuse-files.c").component
    }
    static let misuseFixtures = "Tests/PlugboardTests/Fixtures/wasi2/misuse"

    static func misuse(
        _ world: String = "misuse", limits: PluginLimits = PluginLimits(), capabilities: PluginCapabilities = PluginCapabilities(), logger: Logger? = nil
    ) async throws -> Plugin {
        // The host's world: the plugin's export (its WASI imports are Plugboard's own to serve).
        let hostWorld = try WITPackage.parse("package test:misuse@0.1.0;\nworld \(world) { export run: func(what: string) -> string; }").world(named: world)
        let host = logger.map { PluginHost(configuration: .init(world: hostWorld), logger: $0) } ?? PluginHost(configuration: .init(world: hostWorld))
        let component = try await (world == "misuse" ? misuseBuild : misuseFilesBuild).value
        #expect(try PluginBinary(bytes: component).kind == .component)
        return try await host.load(bytes: component, name: world, options: PluginHost.LoadOptions(limits: limits, capabilities: capabilities))
    }

    static func misuse(_ plugin: Plugin, _ what: String) async throws -> String {
        let results = try await plugin.call("run", arguments: [.string(what)])
        return results.first?.stringValue ?? "\(results)"
    }

    /// Every way into the network is refused with `access-denied`: the network is only the allowlisted
    /// `outgoing-http`.
    @Test func socketsAreDenied() async throws {
        let plugin = try await Self.misuse()
        for what in ["tcp", "udp", "lookup"] {
            #expect(try await Self.misuse(plugin, what) == "access-denied", "\(what)")
        }
    }

    /// Stream handles made again and again without a drop fill the instance's handle table, at the limit the plugin
    /// was given: a typed error naming the limit, and the next call gets a fresh instance.
    @Test func handlesMadeWithoutEndStopAtTheTablesBound() async throws {
        let (logger, logs) = RecordingLogHandler.logger()
        let plugin = try await Self.misuse(limits: PluginLimits(maxResourceHandles: 1_000), logger: logger)
        let error = try await #require(throws: PlugboardError.self) { try await Self.misuse(plugin, "handles") }
        #expect(error.code == .memoryLimitExceeded)
        #expect(error.message.contains("the plugin holds 1000 resource handles"), "\(error.message)")
        #expect(error.hint?.contains("max-resource-handles") == true, "\(error.hint ?? "")")
        #expect(try await Self.misuse(plugin, "hi") == "written")
        #expect(try await Self.misuse(plugin, "printf") == "printed")
        #expect(logs.all.contains { $0.message == "hi" && $0.metadata["plugin.stream"] == "stdout" })
        #expect(logs.all.contains { $0.message == "through wasi-libc" && $0.metadata["plugin.stream"] == "stdout" })
    }

    /// Without a limit of its own a plugin may hold 65,536 handles at once.
    @Test func theDefaultHandleBoundIs65536() async throws {
        let plugin = try await Self.misuse()
        let error = try await #require(throws: PlugboardError.self) { try await Self.misuse(plugin, "handles") }
        #expect(error.code == .memoryLimitExceeded)
        #expect(error.message.contains("the plugin holds 65536 resource handles"), "\(error.message)")
    }

    /// A write from a pointer outside the plugin's memory is an ABI violation of the call, caught before any copy.
    @Test func aBadPointerIsATypedErrorOfTheCall() async throws {
        let plugin = try await Self.misuse()
        let error = try await #require(throws: PlugboardError.self) { try await Self.misuse(plugin, "bad-pointer") }
        #expect(error.code == .abiViolation, "\(error)")
        #expect(error.description.contains("wasi:io/streams@0.2.0"), "\(error.description)")
        #expect(try await Self.misuse(plugin, "tcp") == "access-denied")
    }

    /// Paths handed to the host's `open-at` exactly as the plugin wrote them (wasi-libc refuses some before they
    /// reach the host; a hostile component need not): only what lies beneath the granted directory opens.
    @Test func pathsOutOfAGrantedDirectoryAreRefusedByTheHost() async throws {
        let scratch = try WASIPreview2FileTests.Scratch()
        try Data("secret".utf8).write(to: scratch.root.appendingPathComponent("outside.txt"))
        try FileManager.default.createSymbolicLink(atPath: scratch.data.appendingPathComponent("link").path, withDestinationPath: "../outside.txt")
        let plugin = try await Self.misuse(
            "misuse-files", capabilities: PluginCapabilities(directories: [PreopenedDirectory(hostPath: scratch.data.path, guestPath: "/data", access: .readOnly)]))
        let steps: KeyValuePairs<String, String> = [
            "open:given.txt": "ok",
            "open:missing.txt": "no-entry",
            "open:/etc/passwd": "not-permitted",
            "open:\(scratch.data.path)/given.txt": "not-permitted",
            "open:../outside.txt": "not-permitted",
            "open:sub/../../outside.txt": "not-permitted",
            "open:link": "loop",
            "create:new.txt": "read-only",
        ]
        for (what, expected) in steps {
            #expect(try await Self.misuse(plugin, what) == expected, "\(what)")
        }
        #expect(!scratch.exists("new.txt"))
        let bare = try await Self.misuse("misuse-files")
        #expect(try await Self.misuse(bare, "open:given.txt") == "no directory")
    }
}
