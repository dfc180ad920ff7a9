import Foundation
import PlugboardTesting
import Testing

/// `plugboard exec` end to end, through the built binary: a WASI preview-1 command and a component exporting
/// wasi:cli/run, both built in the test run from the C programs in Fixtures/exec (one action per argument, see
/// actions.c), get their arguments, environment, stdin and directories and pass their stdout, stderr and exit
/// status through.
@Suite struct ExecCommandTests {
    enum Kind: String, CaseIterable, Sendable { case command, component }

    struct BuildFailure: Error, CustomStringConvertible { var description: String }

    static let fixtures = Repository.path("Tests/PlugboardCLITests/Fixtures/exec")

    /// Both programs, built once per test process: the command with wasi-libc as a command module; the component
    /// as a reactor on C bindings generated for run.wit by `plugboard bindgen`, adapted to WASI 0.2.
    static let builds = Task { () throws -> [Kind: Data] in
        try await withTemporaryDirectory { directory in
            let command = directory.appendingPathComponent("command.wasm").path
            try await WasmCC.compile(
                ["\(fixtures)/actions.c", "\(fixtures)/command.c"], flags: ["-I", fixtures], model: .command, output: command,
                repositoryRoot: Repository.root.path)

            let bindings = directory.appendingPathComponent("bindings").path
            let bindgen = try await plugboard(["bindgen", "--guest", "c", "\(fixtures)/run.wit", "--world", "command-run", "-o", bindings])
            guard bindgen.status == 0 else { throw BuildFailure(description: "plugboard bindgen failed: \(bindgen.stderr)") }
            let core = directory.appendingPathComponent("core.wasm").path
            try await WasmCC.compile(
                ["\(fixtures)/actions.c", "\(fixtures)/component.c", "\(bindings)/command_run.c"], flags: ["-I", fixtures, "-I", bindings],
                output: core, repositoryRoot: Repository.root.path)
            let component = try await WasmTools.component(wit: "\(fixtures)/run.wit", world: "command-run", core: core, adaptingWASI: true)
            return [.command: try Data(contentsOf: URL(fileURLWithPath: command)), .component: Data(component)]
        }
    }

    /// Writes the program into `directory` as `<kind>.wasm` and runs `plugboard exec` there with `arguments` (the
    /// program's file name among them) and `input` on stdin.
    static func exec(
        _ kind: Kind, _ arguments: [String], in directory: URL, environment: [String: String] = [:], input: Data? = nil
    ) async throws -> ProcessResult {
        let programs = try await builds.value
        try programs[kind]!.write(to: directory.appendingPathComponent("\(kind).wasm"))
        let environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        return try await runProcess(try Repository.executable().path, ["exec"] + arguments, in: directory, environment: environment, input: input)
    }

    /// The same program as a preview 1 command and as a WASI 0.2 component: the same arguments, environment, stdin,
    /// directories (read-only and read-write) and output. The component's status is 0 or 1: WASI 0.2.0's run result
    /// carries no code.
    @Test(arguments: Kind.allCases)
    func aCommandGetsItsArgumentsEnvironmentStdinAndDirectories(kind: Kind) async throws {
        try await withTemporaryDirectory { directory in
            let manager = FileManager.default
            try manager.createDirectory(at: directory.appendingPathComponent("in"), withIntermediateDirectories: true)
            try manager.createDirectory(at: directory.appendingPathComponent("out"), withIntermediateDirectories: true)
            try "hello from the host\n".write(to: directory.appendingPathComponent("in/message.txt"), atomically: true, encoding: .utf8)
            let actions = [
                "args", "env", "stdin", "cat:/in/message.txt", "write:/out/result.txt=made here", "write:/in/refused.txt=x",
                "stderr:on stderr", "status:7",
            ]
            let result = try await Self.exec(
                kind,
                ["--allow-dir", "in:/in", "--allow-dir", "out:/out:rw", "--env", "GREETING=hi", "--allow-env", "PLUGBOARD_EXEC_HOST",
                 "--allow-env", "PLUGBOARD_EXEC_UNSET", "\(kind).wasm"] + actions,
                in: directory, environment: ["PLUGBOARD_EXEC_HOST": "from the host"], input: Data("piped in".utf8))

            #expect(result.status == (kind == .command ? 7 : 1), "stderr: \(result.stderr)")
            let argv = (["\(kind).wasm"] + actions).enumerated().map { "argv[\($0.offset)]=\($0.element)\n" }.joined()
            #expect(
                result.stdout == argv + """
                    env GREETING=hi
                    env PLUGBOARD_EXEC_HOST=from the host
                    stdin: piped in
                    hello from the host
                    wrote /out/result.txt
                    write /in/refused.txt: Read-only file system

                    """)
            #expect(result.stderr == "on stderr\n")
            #expect(try String(contentsOf: directory.appendingPathComponent("out/result.txt"), encoding: .utf8) == "made here")
            #expect(!manager.fileExists(atPath: directory.appendingPathComponent("in/refused.txt").path))
        }
    }

    /// Both directions are bytes passed through unchanged, in several reads and writes of at most 64 KiB each.
    @Test(arguments: Kind.allCases)
    func largeStdinAndStdoutPassThroughUnchanged(kind: Kind) async throws {
        try await withTemporaryDirectory { directory in
            let input = String((0..<300_000).map { index in Character(UnicodeScalar(UInt8(33 + index % 90))) })
            let result = try await Self.exec(kind, ["\(kind).wasm", "stdin"], in: directory, input: Data(input.utf8))
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout == "stdin: \(input)\n")
        }
    }

    @Test(arguments: Kind.allCases)
    func theExitStatusIsTheProcesss(kind: Kind) async throws {
        try await withTemporaryDirectory { directory in
            let exited = try await Self.exec(kind, ["\(kind).wasm", "args", "exit:42", "args"], in: directory)
            // WASI 0.2.0's exit carries only success or failure.
            #expect(exited.status == (kind == .command ? 42 : 1), "stderr: \(exited.stderr)")
            #expect(exited.stdout == "argv[0]=\(kind).wasm\nargv[1]=args\nargv[2]=exit:42\nargv[3]=args\n", "printed before exiting, once")
            #expect(exited.stderr.isEmpty)

            let zero = try await Self.exec(kind, ["\(kind).wasm", "exit:0", "status:3"], in: directory)
            #expect(zero.status == 0, "stderr: \(zero.stderr)")
            #expect(zero.stderr.isEmpty)
        }
    }

    @Test func aStatusAbove125ExitsOneSayingWhy() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await Self.exec(.command, ["command.wasm", "exit:200"], in: directory)
            #expect(result.status == 1)
            #expect(result.stderr.contains("error: "))
            #expect(result.stderr.contains("exited with status 200, outside 0...125"))
        }
    }

    @Test(arguments: Kind.allCases)
    func aTrapExits134WithTheErrorOnStderr(kind: Kind) async throws {
        try await withTemporaryDirectory { directory in
            let result = try await Self.exec(kind, ["\(kind).wasm", "args", "trap"], in: directory)
            #expect(result.status == 134)
            #expect(result.stdout.hasPrefix("argv[0]=\(kind).wasm\n"), "output before the trap is kept")
            #expect(result.stderr.hasPrefix("error: "))
            #expect(result.stderr.contains("unreachable"), "\(result.stderr)")
        }
    }

    @Test(arguments: Kind.allCases)
    func aTimeoutStopsASpinningProgramWith137(kind: Kind) async throws {
        try await withTemporaryDirectory { directory in
            let result = try await Self.exec(kind, ["--timeout-ms", "300", "\(kind).wasm", "spin"], in: directory)
            #expect(result.status == 137)
            #expect(result.stderr.hasPrefix("error: "))
            #expect(result.stderr.contains("timeout: the call was stopped after"), "\(result.stderr)")
            #expect(Self.stoppedByTheDeadline(of: 300, result.stderr), "\(result.stderr)")
        }
    }

    /// Whether `stderr` reports a stop at the run's deadline of `milliseconds`, or at the start-up's (instantiating,
    /// which a busy machine can make slow, has a deadline of its own of at least one second, as for plugins).
    static func stoppedByTheDeadline(of milliseconds: Int, _ stderr: String) -> Bool {
        stderr.contains("wall-clock limit of \(milliseconds) ms") || stderr.contains("wall-clock limit of \(max(milliseconds, 1000)) ms")
    }

    @Test func fuelStopsASpinningProgramWith137() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await Self.exec(.command, ["--fuel", "1000000", "command.wasm", "spin"], in: directory)
            #expect(result.status == 137)
            #expect(result.stderr.contains("fuel exhausted"), "\(result.stderr)")
        }
    }

    /// A program blocked reading stdin (a pipe nobody writes to or closes) is stopped by its deadline too.
    @Test(.timeLimit(.minutes(1))) func aTimeoutStopsAProgramWaitingForInput() async throws {
        try await withTemporaryDirectory { directory in
            let programs = try await Self.builds.value
            try programs[Kind.command]!.write(to: directory.appendingPathComponent("command.wasm"))
            let process = Process()
            process.executableURL = try Repository.executable()
            process.arguments = ["exec", "--timeout-ms", "300", "command.wasm", "stdin"]
            process.currentDirectoryURL = directory
            let (stdin, stderr) = (Pipe(), Pipe())
            process.standardInput = stdin  // kept open, never written
            process.standardOutput = FileHandle.nullDevice
            process.standardError = stderr
            let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch { continuation.resume(throwing: error) }
            }
            try stdin.fileHandleForWriting.close()
            let message = String(decoding: try stderr.fileHandleForReading.readToEnd() ?? Data(), as: UTF8.self)
            #expect(status == 137)
            #expect(Self.stoppedByTheDeadline(of: 300, message), "\(message)")
        }
    }

    @Test func badUsageExits64() async throws {
        let cases: [[String]] = [
            ["exec"],
            ["exec", "--bogus", "p.wasm"],
            ["exec", "--timeout-ms", "0", "p.wasm"],
            ["exec", "--max-memory-mb", "lots", "p.wasm"],
            ["exec", "--fuel", "-5", "p.wasm"],
            ["exec", "--env", "NO_EQUALS", "p.wasm"],
            ["exec", "--allow-env", "NAME=value", "p.wasm"],
            ["exec", "--allow-dir", "a:b:c:d", "p.wasm"],
        ]
        for arguments in cases {
            let result = try await plugboard(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("Error: "), "\(arguments)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func aFileThatIsNotACommandExits126() async throws {
        try await withTemporaryDirectory { directory in
            let reactor = directory.appendingPathComponent("reactor.wat").path
            try #"(module (memory (export "memory") 1) (func (export "_initialize")))"#.write(toFile: reactor, atomically: true, encoding: .utf8)
            let notACommand = try await plugboard(["exec", reactor])
            #expect(notACommand.status == 126)
            #expect(notACommand.stderr.contains("error: "))
            #expect(notACommand.stderr.contains("exports no '_start'"), "\(notACommand.stderr)")
            #expect(notACommand.stderr.contains("_initialize"))

            let missing = try await plugboard(["exec", directory.appendingPathComponent("missing.wasm").path])
            #expect(missing.status == 126)
            #expect(missing.stderr.contains("missing.wasm"))

            let plugin = try await plugboard(["exec", Repository.cPlugin])
            #expect(plugin.status == 126, "a plugin is not a command: \(plugin.stderr)")

            let noDirectory = try await Self.exec(.command, ["--allow-dir", "nowhere:/data", "command.wasm", "args"], in: directory)
            #expect(noDirectory.status == 126)
            #expect(noDirectory.stderr.contains("cannot open host directory 'nowhere'"), "\(noDirectory.stderr)")
            #expect(noDirectory.stdout.isEmpty, "the program did not start")
        }
    }

    @Test func helpBeforeTheFileIsPlugboardsAndAfterItTheProgramsArgument() async throws {
        let help = try await plugboard(["exec", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--allow-dir <host[:guest][:ro|rw]>"))
        #expect(help.stdout.contains("137"))
        try await withTemporaryDirectory { directory in
            let result = try await Self.exec(.command, ["command.wasm", "args", "--help"], in: directory)
            #expect(result.status == 2, "--help is an unknown action of the program")
            #expect(result.stdout.hasPrefix("argv[0]=command.wasm\nargv[1]=args\nargv[2]=--help\n"))
        }
    }
}
