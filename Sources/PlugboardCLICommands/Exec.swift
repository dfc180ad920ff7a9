import ArgumentParser
import Foundation
import Logging
import Plugboard

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `plugboard exec`: runs a WASI program (a command) in the sandbox, like a process (see ``WASIProgram``).
public struct Exec: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Run a WASI program (a command) in the sandbox.",
        discussion: """
            FILE is a WASI preview-1 core module exporting _start, or a component exporting wasi:cli/run@0.2.x. It \
            gets ARGS as its arguments, FILE as given first (as `wasmtime run` does); everything after FILE is \
            passed unchanged, options included. Its stdin, stdout and stderr are plugboard's own, byte for byte. It \
            may read the clocks and random bytes; it sees only the environment variables given with --env and \
            --allow-env (--env wins for a name given with both) and only the --allow-dir directories, under WASI \
            preview 1 and WASI 0.2 alike.

            Limits (defaults: 1024 MiB of memory, 3600000 ms for the run, no fuel budget): a program past one is \
            stopped. Instantiating the program (its start-up) has a deadline of its own, --timeout-ms but at \
            least 1000 ms.

            Exit codes:
              N    the program's own exit status, 0 to 125: what main returns or exit() is given (proc_exit). A \
            component's is 0 or 1, since WASI 0.2.0's run and exit carry only success or failure. A status of 126 \
            and above exits 1 with an error
              64   bad usage (an unknown option, a malformed flag value, no FILE)
              126  the program could not be started: unreadable, not WebAssembly, not a command, imports what \
            the sandbox does not serve, or a directory could not be opened
              134  the program trapped, or failed in a WASI call (128 + SIGABRT, as for a native abort)
              137  the sandbox stopped it: --timeout-ms, --fuel, --max-memory-mb, or its stack or output limit \
            (128 + SIGKILL)
            For 126, 134 and 137 the error is printed on stderr as 'error: ...'.

            plugboard's own log lines (stderr) are at warning level and above unless --log-level or --verbose \
            says otherwise.
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Option(
        name: .customLong("allow-dir"),
        help: ArgumentHelp(
            "Preopen a host directory for the program at GUEST (default: HOST as given), read-only (ro, the default) or read-write (rw). Repeatable.",
            valueName: "host[:guest][:ro|rw]"),
        transform: Run.directory)
    public var allowDir: [PreopenedDirectory] = []

    @Option(
        name: .customLong("env"),
        help: ArgumentHelp("Set the program's environment variable NAME to VALUE. Repeatable; a later one for a name wins.", valueName: "name=value"),
        transform: Exec.environmentVariable)
    public var env: [KeyValue] = []

    @Option(
        name: .customLong("allow-env"),
        help: ArgumentHelp("Pass the host's environment variable NAME to the program, if it is set. Repeatable.", valueName: "name"),
        transform: Exec.variableName)
    public var allowEnv: [String] = []

    @Option(
        name: .customLong("timeout-ms"),
        help: ArgumentHelp(
            "Wall-clock limit for the program's run, in milliseconds (default: 3600000, one hour); its start-up gets the same, at least 1000.",
            valueName: "N"),
        transform: { try Exec.bounded($0, flag: "--timeout-ms", max: 7 * 24 * 3_600_000) })
    public var timeoutMilliseconds: Int?

    @Option(
        name: .customLong("max-memory-mb"),
        help: ArgumentHelp("The most linear memory the program may have, in MiB (default: 1024).", valueName: "N"),
        transform: { try Exec.bounded($0, flag: "--max-memory-mb", max: 4096) })
    public var maxMemoryMB: Int?

    @Option(
        help: ArgumentHelp("Fuel for the program's run (its start-up gets as much again): about one unit per Wasm instruction; the program is stopped when it runs out (default: no budget).", valueName: "N"),
        transform: { try Run.positive($0, flag: "--fuel", as: UInt64.self) })
    public var fuel: UInt64?

    @Option(help: ArgumentHelp("The engine to run the program on (default: wasmkit, or $PLUGBOARD_ENGINE).", valueName: "wasmkit|wasmtime"))
    public var engine: PluginEngine?

    @Argument(
        parsing: .captureForPassthrough,
        help: ArgumentHelp("The program (.wasm, or .wat for a core module), then its arguments.", valueName: "file [args...]"))
    public var command: [String] = []

    public init() {}

    public func validate() throws {
        guard let file = programFile else { throw ValidationError("missing the program: plugboard exec [options] FILE [ARGS...]") }
        // The passthrough capture takes --help too when it comes before FILE; after FILE it is the program's.
        if command.first == "--help" || command.first == "-h" { throw CleanExit.helpRequest(self) }
        if file.hasPrefix("-") {
            throw ValidationError("unknown option '\(file)' (options go before FILE; a program whose name starts with '-' is ./\(file))")
        }
    }

    // MARK: derived configuration

    /// The program's path: the first captured word, after a `--` that ends plugboard's own options.
    public var programFile: String? { commandWords.first }

    /// The program's arguments: FILE as given, then ARGS unchanged.
    public var programArguments: [String] { Array(commandWords) }

    private var commandWords: ArraySlice<String> { command.first == "--" ? command.dropFirst() : command[...] }

    /// The program's environment: each `--allow-env` name the host has, then the `--env` entries (which win).
    public func deriveEnvironment(host: [String: String]) -> [String: String] {
        var environment: [String: String] = [:]
        for name in allowEnv { if let value = host[name] { environment[name] = value } }
        for entry in env { environment[entry.key] = entry.value }
        return environment
    }

    /// ``WASIProgram/defaultLimits`` with `--timeout-ms`, `--max-memory-mb` and `--fuel` applied.
    public func deriveLimits() -> PluginLimits {
        var limits = WASIProgram.defaultLimits
        if let maxMemoryMB { limits.maxMemoryBytes = maxMemoryMB << 20 }
        if let fuel { limits.fuelPerCall = fuel }
        if let timeoutMilliseconds { limits.timeout = .milliseconds(timeoutMilliseconds) }
        return limits
    }

    /// How the program runs: its arguments, environment, directories, limits and engine.
    public func deriveOptions(hostEnvironment: [String: String]) -> WASIProgram.Options {
        WASIProgram.Options(
            arguments: programArguments, environment: deriveEnvironment(host: hostEnvironment), directories: allowDir, limits: deriveLimits(),
            engine: engine ?? .processDefault)
    }

    static func environmentVariable(_ text: String) throws -> KeyValue {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ValidationError("--env takes NAME=VALUE (e.g. MODE=fast; the value may be empty), not '\(text)'")
        }
        return KeyValue(String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    static func variableName(_ text: String) throws -> String {
        guard !text.isEmpty, !text.contains("=") else {
            throw ValidationError("--allow-env takes the NAME of a host variable, not '\(text)' (to set a value, use --env NAME=VALUE)")
        }
        return text
    }

    static func bounded(_ text: String, flag: String, max: Int) throws -> Int {
        guard let value = Int(text), value > 0 else { throw ValidationError("\(flag) takes a whole number greater than 0, not '\(text)'") }
        guard value <= max else { throw ValidationError("\(flag) is at most \(max), not '\(text)'") }
        return value
    }

    // MARK: running

    public func run() async throws {
        let logger = global.bootstrapLogging(defaultLevel: .warning)
        // A reader that goes away (`plugboard exec p.wasm | head -1`) fails the program's writes with EPIPE, as it
        // would fail a native program's that ignores SIGPIPE, instead of killing plugboard.
        signal(SIGPIPE, SIG_IGN)
        let program: WASIProgram
        do {
            program = try WASIProgram(path: programFile ?? "")
        } catch {
            StandardError.printError(error)
            throw ExitCode(WASIProgram.cannotRunStatus)
        }
        let termination = await program.run(deriveOptions(hostEnvironment: ProcessInfo.processInfo.environment), logger: logger)
        if let error = termination.error { StandardError.printError(error) }
        if termination.status != 0 { throw ExitCode(termination.status) }
    }
}
