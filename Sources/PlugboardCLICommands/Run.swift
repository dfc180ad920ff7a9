import ArgumentParser
import Foundation
import Plugboard
import PlugboardHTTPFetch
import PlugboardBindgen

/// `plugboard run`: loads a plugin, initializes it, sends it one request, shuts it down.
public struct Run: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Run a plugin once on an input text.",
        discussion: """
            Loads the plugin, calls initialize with the --config pairs, process with the input and the --option \
            pairs (both in the order given; keys may repeat), then shutdown. stdout carries only the result: the \
            output text, or with --json one object {plugin, version, output, success, errorMessage, events} (the first \
            1,000 events, with eventsDropped counting the rest). Logs, \
            including the plugin's log-message calls, and (without --json) its events go to stderr.

            Exit codes:
              0   the plugin processed the input successfully
              1   the plugin reported a failure (its error message is printed as 'error: ...'; the output or JSON \
            is still printed), or the plugin could not be loaded, initialized, called or shut down
              64  bad usage (e.g. a --option or --config without '=')
              N   the plugin called proc_exit(N) with N from 1 to 125: N is passed through; any other code \
            (0, which would read as success, or 126 and above, which shells reserve for "cannot run" and \
            "killed by a signal") exits 1
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The plugin file (.wasm or .wat).")
    public var plugin: String

    @Option(help: "The input text to process.")
    public var input: String

    @Option(
        help: ArgumentHelp("An option for process, split at the first '='. Repeatable; order is kept.", valueName: "key=value"),
        transform: KeyValue.parse)
    public var option: [KeyValue] = []

    @Option(
        help: ArgumentHelp("A configuration entry for initialize, split at the first '='. Repeatable; order is kept.", valueName: "key=value"),
        transform: KeyValue.parse)
    public var config: [KeyValue] = []

    @Flag(help: "Print the result as one JSON object.")
    public var json = false

    @Option(help: "The name to register the plugin under (default: the name its metadata reports).")
    public var name: String?

    @Option(
        help: ArgumentHelp(
            "The plugin's manifest (default: plugin.toml beside the plugin, or in it when the plugin is a directory).",
            valueName: "file"))
    public var manifest: String?

    @Option(
        name: .customLong("allow-env"),
        help: ArgumentHelp(
            "Let the plugin see this environment variable with the host's value (NAME=value: a literal). Repeatable; adds to the manifest's.",
            valueName: "name"))
    public var allowEnv: [String] = []

    @Option(
        name: .customLong("allow-net"),
        help: ArgumentHelp(
            "Let the plugin fetch from this destination over outgoing-http: scheme://host[:port], e.g. https://api.example.com. Repeatable; adds to the manifest's.",
            valueName: "pattern"),
        transform: Run.networkPattern)
    public var allowNet: [NetworkPattern] = []

    @Option(
        name: .customLong("allow-dir"),
        help: ArgumentHelp(
            "Preopen a host directory for the plugin at GUEST (default: HOST as given), read-only (ro, the default) or read-write (rw). Repeatable; adds to the manifest's.",
            valueName: "host[:guest][:ro|rw]"),
        transform: Run.directory)
    public var allowDir: [PreopenedDirectory] = []

    @Option(
        name: .customLong("max-memory-mb"),
        help: ArgumentHelp("The most linear memory the plugin may have, in MiB (default: 32).", valueName: "N"),
        transform: { try Run.positive($0, flag: "--max-memory-mb", as: Int.self) })
    public var maxMemoryMB: Int?

    @Option(
        help: ArgumentHelp("Fuel per call: about one unit per Wasm instruction; the call fails when it runs out (default: no budget).", valueName: "N"),
        transform: { try Run.positive($0, flag: "--fuel", as: UInt64.self) })
    public var fuel: UInt64?

    @Option(
        name: .customLong("timeout-ms"),
        help: ArgumentHelp("Wall-clock limit per call in milliseconds; a call running longer is stopped (default: 30000).", valueName: "N"),
        transform: { try Run.positive($0, flag: "--timeout-ms", as: Int.self) })
    public var timeoutMilliseconds: Int?

    @Option(help: ArgumentHelp("The engine to run the plugin on, over its manifest's `engine` (default: the manifest's, else wasmkit or $PLUGBOARD_ENGINE).", valueName: "wasmkit|wasmtime"))
    public var engine: PluginEngine?

    public init() {}

    // MARK: derived library configuration

    /// The request `process` is called with.
    public func deriveRequest() -> ProcessRequest {
        ProcessRequest(input: input, options: option.map { ($0.key, $0.value) })
    }

    /// The configuration `initialize` is called with (and `get-config` reads), in order.
    public func deriveConfiguration() -> [(key: String, value: String)] {
        config.map { (key: $0.key, value: $0.value) }
    }

    /// How the plugin is loaded.
    public func deriveLoadOptions() -> PluginHost.LoadOptions {
        PluginHost.LoadOptions(name: name, configuration: deriveConfiguration(), limits: deriveLimits(), engine: engine)
    }

    /// The plugin's limits: `base` (the defaults, or a manifest's), overridden by `--max-memory-mb`, `--fuel` and
    /// `--timeout-ms`.
    public func deriveLimits(over base: PluginLimits = PluginLimits()) -> PluginLimits {
        var limits = base
        if let maxMemoryMB { limits.maxMemoryBytes = maxMemoryMB << 20 }
        if let fuel { limits.fuelPerCall = fuel }
        if let timeoutMilliseconds { limits.timeout = .milliseconds(timeoutMilliseconds) }
        return limits
    }

    static func networkPattern(_ text: String) throws -> NetworkPattern {
        do throws(PlugboardError) {
            return try NetworkPattern(parsing: text)
        } catch {
            throw ValidationError("--allow-net: \(error.message). \(error.hint ?? "")")
        }
    }

    /// Parses `HOST[:GUEST][:ro|rw]`.
    static func directory(_ text: String) throws -> PreopenedDirectory {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var access = PreopenedDirectory.Access.readOnly
        if parts.count > 1, let last = parts.last, let parsed = PreopenedDirectory.Access(rawValue: last) {
            access = parsed
            parts.removeLast()
        }
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw ValidationError("--allow-dir takes HOST[:GUEST][:ro|rw], e.g. data:/data:rw, not '\(text)'")
        }
        return PreopenedDirectory(hostPath: parts[0], guestPath: parts.count == 2 ? parts[1] : nil, access: access)
    }

    static func positive<N: FixedWidthInteger>(_ text: String, flag: String, as: N.Type) throws -> N {
        guard let value = N(text), value > 0 else { throw ValidationError("\(flag) takes a whole number greater than 0, not '\(text)'") }
        if N.self == Int.self, value > (1 << 20) { throw ValidationError("\(flag) is at most 1048576 (1 TiB), not '\(text)'") }
        return value
    }

    /// The manifest: `--manifest`, else `plugin.toml` beside the plugin (or in it, for a directory), else none.
    public func deriveManifest() throws -> PluginManifest? {
        if let manifest { return try PluginManifest(path: manifest) }
        return try PluginManifest.discover(beside: plugin)
    }

    /// How the plugin is loaded when it has a manifest (or `--allow-env` is given): the manifest's options, then
    /// the flags on top: `--name` replaces its name, each `--config` key replaces that key's manifest entries
    /// (the rest keep their order, the flags' entries follow), `--allow-env` adds variables, `--allow-net`
    /// adds network allowlist entries, `--allow-dir` adds preopened directories.
    public func deriveLoadOptions(manifest: PluginManifest?, environment: [String: String]) -> PluginHost.LoadOptions {
        let flags = deriveLoadOptions()
        var options = manifest?.loadOptions(environment: environment) ?? flags
        if let name { options.name = name }
        if let engine { options.engine = engine }
        options.limits = deriveLimits(over: options.limits)
        if manifest != nil {
            let overridden = Set(config.map(\.key))
            options.configuration = options.configuration.filter { !overridden.contains($0.key) } + deriveConfiguration()
        }
        for pattern in allowNet where !options.capabilities.network.contains(pattern) {
            options.capabilities.network.append(pattern)
        }
        for entry in allowEnv {
            if let equals = entry.firstIndex(of: "=") {
                options.capabilities.environment[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
            } else if let value = environment[entry] {
                options.capabilities.environment[entry] = value
            }
        }
        options.capabilities.directories += allowDir
        return options
    }

    // MARK: running

    public func run() async throws {
        let logger = global.bootstrapLogging()
        let host = PluginHost(
            configuration: PluginHost.Configuration(hostFunctions: HostFunction.defaultHostAPI + HostFunction.outgoingHTTP()), logger: logger)
        let events = host.events()
        let echoEvents = !json
        let (outcome, collected) = await EventCollector.collecting(events, echo: echoEvents) {
            await invoke(host: host)
        }
        let (plugin, response): (Plugin, ProcessResponse)
        switch outcome {
        case .success(let value): (plugin, response) = value
        case .failure(let error):
            StandardError.printError(error)
            throw ExitCode(Self.exitStatus(for: error))
        }

        if json {
            let result = RunResult(
                plugin: plugin.name, version: plugin.version, output: response.output, success: response.success,
                errorMessage: response.errorMessage, events: collected.events.map { .init(type: $0.type, payload: $0.payload) },
                eventsDropped: collected.dropped)
            print(try result.jsonText())
        } else if response.success || !response.output.isEmpty {
            print(response.output)
        }
        guard response.success else {
            StandardError.print("error: \(response.errorMessage ?? "the plugin reported a failure without a message")")
            throw ExitCode.failure
        }
    }

    /// The process exit status for a failed run: a guest's `proc_exit(N)` passes N through when it is 1...125; every
    /// other failure is 1, so a failure never reads as success (0) or as the shell's "not executable" (126), "not
    /// found" (127) or "killed by signal N" (128 + N).
    public static func exitStatus(for error: any Error) -> Int32 {
        guard let code = (error as? PlugboardError)?.exitCode, (1...125).contains(code) else { return 1 }
        return Int32(code)
    }

    /// Load, initialize, process, shutdown, unload; on an error, unloads what was loaded and returns the error.
    private func invoke(host: PluginHost) async -> Result<(Plugin, ProcessResponse), any Error> {
        var loaded: Plugin?
        do {
            let manifest = try deriveManifest()
            let options = deriveLoadOptions(manifest: manifest, environment: ProcessInfo.processInfo.environment)
            let plugin =
                if let manifest {
                    try await host.load(manifest: manifest, path: self.plugin, options: options)
                } else {
                    try await host.load(path: self.plugin, options: options)
                }
            loaded = plugin
            try await plugin.initialize(config: options.configuration)
            let response = try await plugin.process(deriveRequest())
            try await plugin.shutdown()
            try await host.unload(plugin.name)
            return .success((plugin, response))
        } catch {
            if let loaded { try? await host.unload(loaded.name) }
            return .failure(error)
        }
    }
}

/// The `--json` result of `plugboard run`.
struct RunResult: Encodable {
    struct Event: Encodable {
        var type: String
        var payload: String
    }

    var plugin: String
    var version: String
    var output: String
    var success: Bool
    var errorMessage: String?
    var events: [Event]
    /// Events past the first ``EventCollector/maxEvents`` (or ``EventCollector/maxBytes``), not listed.
    var eventsDropped: Int

    enum CodingKeys: String, CodingKey {
        case plugin, version, output, success, errorMessage, events, eventsDropped
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plugin, forKey: .plugin)
        try container.encode(version, forKey: .version)
        try container.encode(output, forKey: .output)
        try container.encode(success, forKey: .success)
        try container.encode(errorMessage, forKey: .errorMessage)  // null, not omitted, when there is none
        try container.encode(events, forKey: .events)
        if eventsDropped > 0 { try container.encode(eventsDropped, forKey: .eventsDropped) }
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
