import Logging
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// A WASI program (a command) run in Plugboard's sandbox, as `plugboard exec` runs it: its entry point called once,
/// like a process.
///
/// A program is either
/// - a WASI preview-1 core module exporting `_start` (a C `main` built with wasi-libc, a Rust binary for
///   `wasm32-wasip1`), importing nothing but `wasi_snapshot_preview1`; or
/// - a component exporting `wasi:cli/run@0.2.x` (the `wasi:cli/command` world), importing nothing but `wasi:*@0.2.x`.
///
/// It is compiled, linked and instantiated by the machinery plugins use (``PluginHost``'s: the same WASI layers,
/// limits and deadline), against a world with no plugin interfaces, so a program cannot import Plugboard's host
/// API. Each ``run(_:logger:)`` starts from a fresh instance and releases it at the end, as a process would.
///
/// ```swift
/// let program = try WASIProgram(path: "hello.wasm")
/// let termination = await program.run(WASIProgram.Options(arguments: ["hello", "world"]))
/// if let error = termination.error { print("error: \(error)") }
/// exit(termination.status)
/// ```
///
/// What the program is granted is ``Options/capabilities``: by default its stdin, stdout and stderr are the host
/// process's own (bytes unchanged), it reads clocks and random bytes, and it sees exactly the given arguments,
/// environment and preopened directories (served under WASI preview 1 only: WASI 0.2 has no filesystem here yet).
public struct WASIProgram: Sendable {
    /// How a run is set up.
    public struct Options: Sendable {
        /// What the program is granted: its `arguments` are its argv, the program's name first.
        public var capabilities: PluginCapabilities
        /// What the program may consume. Its ``PluginLimits/timeout`` bounds the call of its entry point, and
        /// instantiating it gets a deadline of its own, ``PluginLimits/loadTimeout`` (at least one second), as a
        /// plugin's loading does.
        public var limits: PluginLimits
        /// The engine the program runs on.
        public var engine: PluginEngine

        public init(capabilities: PluginCapabilities, limits: PluginLimits = WASIProgram.defaultLimits, engine: PluginEngine = .processDefault) {
            self.capabilities = capabilities
            self.limits = limits
            self.engine = engine
        }

        /// A command's usual grants: the host process's stdin, stdout and stderr, clocks and random, and exactly
        /// these arguments (the program's name first), environment and directories.
        public init(
            arguments: [String] = [], environment: [String: String] = [:], directories: [PreopenedDirectory] = [],
            limits: PluginLimits = WASIProgram.defaultLimits, engine: PluginEngine = .processDefault
        ) {
            self.init(
                capabilities: PluginCapabilities(
                    environment: environment, arguments: arguments, allowsClocks: true, allowsRandom: true, stdio: .inherit,
                    standardInput: .inherit, directories: directories),
                limits: limits, engine: engine)
        }
    }

    /// How a run ended.
    public struct Termination: Sendable {
        /// The process exit status it stands for (see ``exitStatus(for:)``): what the program exited with, 126 when
        /// it could not be started, 134 for a trap, 137 when a limit stopped it.
        public var status: Int32
        /// Why the program did not end by returning or exiting with a status from 0 to 125 (`nil` when it did).
        public var error: PlugboardError?
    }

    /// Generous but finite: 1 GiB of linear memory (a quarter of what wasm32 can address), one hour of wall-clock
    /// time for the run, no fuel budget (the deadline bounds the run); the other limits are ``PluginLimits``'s
    /// defaults.
    public static let defaultLimits = PluginLimits(maxMemoryBytes: 1 << 30, timeout: .seconds(3600))

    /// The exit status of a program that could not be started (unreadable, invalid, not a command, imports what
    /// is not served, a directory that cannot be opened): 126, the shell's "found but cannot be executed".
    public static let cannotRunStatus: Int32 = 126
    /// The exit status of a program that trapped or failed in a host function: 134 (128 + SIGABRT), what a native
    /// program that aborts gives, and what wasmtime gives for a trap.
    public static let trapStatus: Int32 = 134
    /// The exit status of a program stopped by the sandbox (its deadline, fuel, memory, stack or output limit):
    /// 137 (128 + SIGKILL), as if it had been killed.
    public static let stoppedStatus: Int32 = 137

    /// The name errors give the program (its file name without extension).
    public let name: String
    public let binary: PluginBinary
    /// A preview-1 core module or a component.
    public var kind: PluginBinary.Kind { binary.kind }

    /// Reads a `.wasm` binary (or a `.wat` core module).
    /// - Throws: ``PlugboardError`` when the file cannot be read or is not WebAssembly.
    public init(path: String) throws {
        let name = PluginHost.stem(of: path)
        do {
            self.init(binary: try PluginBinary(contentsOf: path), name: name)
        } catch let error as PlugboardError {
            throw error.inContext(plugin: name, function: nil)
        }
    }

    public init(binary: PluginBinary, name: String) {
        self.binary = binary
        self.name = name
    }

    /// Instantiates the program, calls its entry point once (`_start`, or `wasi:cli/run`'s `run`) and releases it.
    /// Never throws: a failure is a ``Termination`` with its status and error.
    /// - Parameter logger: Where the runtime's own log lines go (the program's output goes where
    ///   ``Options/capabilities`` says).
    public func run(_ options: Options = Options(), logger: Logger = Logger(label: "plugboard", factory: { _ in SwiftLogNoOpLogHandler() })) async -> Termination {
        let plugin: Plugin
        do {
            plugin = try await load(options, logger: logger)
        } catch {
            return Self.termination(for: PluginInstance.typed(error))
        }
        let termination: Termination
        do {
            switch kind {
            case .coreModule:
                try await plugin.callCoreExport("_start")
                termination = Termination(status: 0)
            case .component:
                // `run` returns a bare result: ok is 0, err is 1 (wasi-libc's adapter maps a failing `main` to err).
                let results = try await plugin.call("run", interface: CommandWorlds.runInterface.unversionedName, arguments: [])
                if case .err? = results.first { termination = Termination(status: 1) } else { termination = Termination(status: 0) }
            }
        } catch {
            termination = Self.termination(for: PluginInstance.typed(error))
        }
        await plugin.drain()
        return termination
    }

    /// Compiles and links the binary against its command world and makes its instance (running its start function).
    private func load(_ options: Options, logger: Logger) async throws -> Plugin {
        let (binary, name) = (self.binary, self.name)
        do {
            let engine = try options.engine.makeEngine()
            let compiled = try await LoadingThreads.run { try binary.compile(on: engine) }
            try Self.checkEntryPoint(of: compiled.description, kind: binary.kind)
            return try await Plugin.load(
                name: name, fallbackName: name, compiled: compiled, engine: engine,
                world: binary.kind == .component ? CommandWorlds.component : CommandWorlds.preview1, hostFunctions: [],
                configuration: [], limits: options.limits, capabilities: options.capabilities,
                pool: InstancePoolConfiguration(size: 1, maxInvocations: .max), logger: logger, events: EventBroadcaster())
        } catch let error as PlugboardError {
            throw error.inContext(plugin: error.plugin ?? name, function: error.function)
        }
    }

    /// A command's entry point, checked before linking so the error says what kind of binary this is instead.
    private static func checkEntryPoint(of description: ModuleDescription, kind: PluginBinary.Kind) throws {
        switch kind {
        case .coreModule:
            guard description.exportedFunction("_start") == CoreSignature(parameters: [], results: []) else {
                throw PlugboardError.notACommandModule(hasInitialize: description.exportedFunction("_initialize") != nil)
            }
        case .component:
            let run = CommandWorlds.runInterface.unversionedName
            let functions = description.exports.filter { if case .function = $0.kind { true } else { false } }.map(\.name)
            guard functions.contains(where: { VersionedInterfaceName.splitExport($0)?.interface.unversioned == run }) else {
                throw PlugboardError.notACommandComponent(exports: functions.filter { !$0.hasPrefix("cabi_") })
            }
        }
    }

    /// The exit status `error` stands for: a `proc_exit`/`exit` status from 0 to 125 as it is (any other: 1),
    /// ``stoppedStatus`` after a limit, deadline or cancellation, ``trapStatus`` after any other failure of the
    /// running guest, ``cannotRunStatus`` when the program could not be started.
    public static func exitStatus(for error: PlugboardError) -> Int32 {
        if error.code == .pluginExited, let code = error.exitCode { return code <= 125 ? Int32(code) : 1 }
        if error.isLimitTrap { return stoppedStatus }
        if error.isGuestFault || error.category == .pluginError { return trapStatus }
        return cannotRunStatus
    }

    /// How a run that ended with `error` (from loading or from the entry point) terminates: an exit with a status
    /// from 0 to 125 carries no error; any other exit is reported as ``PlugboardError/exitStatusOutOfRange(_:)``.
    private static func termination(for error: PlugboardError) -> Termination {
        guard error.code == .pluginExited, let code = error.exitCode else { return Termination(status: exitStatus(for: error), error: error) }
        return code <= 125 ? Termination(status: Int32(code)) : Termination(status: 1, error: .exitStatusOutOfRange(code))
    }
}

extension WASIProgram.Termination {
    init(status: Int32) { self.init(status: status, error: nil) }
}
