import Foundation
import PlugboardTesting
import Testing

/// The built `plugboard` executable, run as a process: stdout, stderr and exit codes.
@Suite struct CommandLineTests {
    static let plugins = [Repository.cPlugin, Repository.watPlugin]

    @Test(arguments: plugins)
    func runPrintsOnlyTheOutputOnStdoutAndLogsAndEventsOnStderr(plugin: String) async throws {
        let result = try await plugboard(["run", plugin, "--input", "hello world", "--option", "mode=uppercase", "--config", "prefix=>> "])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == ">> HELLO WORLD\n")
        #expect(result.stderr.contains("event processed: uppercase"))
        #expect(result.stderr.contains("initialized with 1 config entries"))
    }

    @Test(arguments: plugins)
    func runWithJSONPrintsOneObjectWithTheEvents(plugin: String) async throws {
        let result = try await plugboard(["run", plugin, "--input", "a b c", "--option", "mode=wordcount", "--json", "--name", "counter"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["plugin"] as? String == "counter")
        #expect(object["version"] as? String == "1.0.0")
        #expect(object["output"] as? String == "3")
        #expect(object["success"] as? Bool == true)
        #expect(object["errorMessage"] is NSNull)
        let events = try #require(object["events"] as? [[String: String]])
        #expect(events == [["type": "processed", "payload": "wordcount"]])
        #expect(!result.stderr.contains("event processed"), "with --json, events are only in the JSON")
    }

    @Test func aFailedResponseExitsOneWithTheMessageOnStderr() async throws {
        let result = try await plugboard(["run", Repository.cPlugin, "--input", "x", "--option", "mode=nope"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: unknown mode: nope"))
        #expect(result.stdout.isEmpty)

        let json = try await plugboard(["run", Repository.watPlugin, "--input", "x", "--option", "mode=nope", "--json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["success"] as? Bool == false)
        #expect(object["errorMessage"] as? String == "unknown mode: nope")
    }

    @Test func aMissingFileExitsOneNamingThePath() async throws {
        let path = "/nonexistent/dir/missing-plugin.wasm"
        let result = try await plugboard(["run", path, "--input", "x"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: "))
        #expect(result.stderr.contains(path))
        #expect(result.stdout.isEmpty)

        let inspect = try await plugboard(["inspect", path])
        #expect(inspect.status == 1)
        #expect(inspect.stderr.contains(path))
    }

    @Test func aModuleWithoutTheWorldsExportsFailsToRunButInspects() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("unrelated.wat").path
            try moduleWithoutWorldExports.write(toFile: path, atomically: true, encoding: .utf8)

            let run = try await plugboard(["run", path, "--input", "x"])
            #expect(run.status == 1)
            #expect(run.stderr.contains("does not export"))
            #expect(run.stdout.isEmpty)

            let inspect = try await plugboard(["inspect", path])
            #expect(inspect.status == 0, "stderr: \(inspect.stderr)")
            #expect(inspect.stdout.contains("world: plugboard:plugin/plugin-world@1.0.0 ✗ does not match: "))
            #expect(inspect.stdout.contains("unrelated: () -> i32"))
        }
    }

    @Test func aPluginThatCallsProcExitPassesItsCodeThrough() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("exiter.wat").path
            try pluginThatExitsWithThree.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try await plugboard(["run", path, "--input", "x"])
            #expect(run.status == 3, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("proc_exit(3)"))
            #expect(run.stderr.contains("plugin 'exiter@1.0.0'"))
        }
    }

    /// A guest exit code that would read as success (0 after truncation to 8 bits) or as a signal (128 + N), or that
    /// the shell reserves (126, 127), exits 1; the error still names the plugin's own code.
    @Test(arguments: [(256, 1), (137, 1), (126, 1), (0, 1), (125, 125)])
    func guestExitCodesOutsideOneTo125ExitOne(guest: Int, expected: Int32) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("exiter.wat").path
            try pluginThatExitsWithThree.replacingOccurrences(of: "(i32.const 3)", with: "(i32.const \(guest))")
                .write(toFile: path, atomically: true, encoding: .utf8)
            let run = try await plugboard(["run", path, "--input", "x"])
            #expect(run.status == expected, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("proc_exit(\(guest))"))
        }
    }

    /// The WAT and the freestanding C examples built as components (wasm-tools, in the test run) run and inspect like
    /// their core twins; so do the committed wasi-libc C example adapted to WASI 0.2, and the Python example (built with
    /// componentize-py) beside the C one.
    @Test(arguments: [
        (ExampleBuild.watComponent, Repository.watPlugin), (ExampleBuild.cFreestandingComponent, nil), (ExampleBuild.cWASIComponent, Repository.cPlugin),
        (ExampleBuild.python, Repository.cPlugin),
    ])
    func aComponentRunsAndInspectsLikeItsCoreTwin(component build: ExampleBuild, committedTwin: String?) async throws {
        let component = try await build.path()
        let twin: String
        if let committedTwin { twin = committedTwin } else { twin = try await ExampleBuild.cFreestandingModule.path() }
        let arguments = ["--input", "hello twins", "--option", "mode=uppercase", "--config", "prefix=> "]
        let run = try await plugboard(["run", component] + arguments)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("> HELLO TWINS"))
        let twinRun = try await plugboard(["run", twin] + arguments)
        #expect(twinRun.status == 0 && twinRun.stdout == run.stdout, "\(twinRun.stdout) vs \(run.stdout)")
        // What the plugin writes to stderr (WASI preview 1 in the module, WASI 0.2 in the adapted component) is logged alike.
        let stderrLines = { (text: String) in
            text.split(separator: "\n").filter { $0.contains("plugin.stream=stderr") }
                .map { ($0.split(separator: "]").last ?? "").replacingOccurrences(of: build.pluginName, with: "text-transform-c") }
        }
        #expect(stderrLines(run.stderr) == stderrLines(twinRun.stderr), "\(run.stderr)")

        let inspect = try await plugboard(["inspect", component])
        #expect(inspect.status == 0, "stderr: \(inspect.stderr)")
        #expect(inspect.stdout.contains("kind: component"))
        #expect(inspect.stdout.contains("plugboard:plugin/plugin-api@1.0.0#process"))
        #expect(inspect.stdout.contains("world: plugboard:plugin/plugin-world@1.0.0 ✓ matches"))
        // The component's own WIT world, as its types declare it.
        #expect(inspect.stdout.contains("""
            wit (declared by the binary):
              import plugboard:plugin/host-api@1.0.0
                emit-event: func(event-type: string, payload: string) -> result<_, string>
            """), "\(inspect.stdout)")
        #expect(inspect.stdout.contains(
            "    process: func(req: record { input: string, options: list<tuple<string, string>> }) -> "
                + "record { output: string, success: bool, error-message: option<string> }\n"))
    }

    /// A component lacking the world's exports fails `run` naming the first one.
    @Test func aComponentWithoutTheWorldsExportsFailsRunNamingOne() async throws {
        try await withTemporaryDirectory { directory in
            let empty = directory.appendingPathComponent("empty.wasm").path
            try Data([0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00]).write(to: URL(fileURLWithPath: empty))
            let refused = try await plugboard(["run", empty, "--input", "x"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("error: "))
            #expect(refused.stderr.contains("does not export 'plugboard:plugin/plugin-api@1.0.0#initialize'"))
        }
    }

    @Test func badUsageExits64() async throws {
        let result = try await plugboard(["run", Repository.cPlugin, "--input", "x", "--option", "novalue"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("key=value"))
        #expect(result.stdout.isEmpty)
    }

    @Test func inspectListsImportsExportsAndTheMatchingWorld() async throws {
        let result = try await plugboard(["inspect", Repository.cPlugin])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("plugboard:plugin/host-api@1.0.0.log-message"))
        #expect(result.stdout.contains("plugboard:plugin/plugin-api@1.0.0#process: (i32, i32, i32, i32) -> i32"))
        #expect(result.stdout.contains("kind: core module"))
        #expect(result.stdout.contains("memory: initial "))
        #expect(result.stdout.contains("world: plugboard:plugin/plugin-world@1.0.0 ✓ matches"))
    }

    @Test func inspectWithJSONAndAnotherWorld() async throws {
        let result = try await plugboard(["inspect", Repository.watPlugin, "--json", "--wit", Repository.path("wit"), "--world", "plugin-world"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let world = try #require(object["world"] as? [String: Any])
        #expect(world["matches"] as? Bool == true)
        #expect(world["name"] as? String == "plugboard:plugin/plugin-world@1.0.0")
        let imports = try #require(object["imports"] as? [[String: Any]])
        #expect(imports.compactMap { $0["name"] as? String }.contains("plugboard:plugin/host-api@1.0.0.get-config"))

        let missingWorld = try await plugboard(["inspect", Repository.watPlugin, "--wit", Repository.path("wit"), "--world", "nope"])
        #expect(missingWorld.status == 1)
        #expect(missingWorld.stderr.contains("no world 'nope'"))
    }
}
