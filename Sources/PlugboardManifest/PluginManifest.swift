import PlugboardABI
/// A plugin's `plugin.toml`: who it is, which file to load, what it is granted and may consume.
///
/// Plain data (no engine import), so tooling can read manifests without loading plugins. Parse one with
/// ``init(parsing:fileName:)`` or ``init(path:)``; turn it into load options with ``loadOptions(environment:)``.
///
/// ```toml
/// name = "text-transform"
/// version = "1.0.0"
/// wasm = "plugin.wasm"            # default: the only .wasm/.wat beside the manifest
/// sha256 = "9f86d0…"              # optional pin: a different file is refused
/// world = "plugboard:plugin/plugin-world@1.0.0"   # optional: must be the host's world (same major)
/// policy = "restricted"           # or "standard"; the base the sections below adjust
/// engine = "wasmtime"             # optional: "wasmkit" or "wasmtime" (default: the host's engine)
///
/// [config]                        # get-config / initialize, in file order
/// prefix = ">> "
///
/// [capabilities]
/// env = ["HOME", "MODE=fast"]     # NAME takes the host's value; NAME=value is a literal
/// args = ["--verbose"]
/// clocks = true
/// random = false
/// stdio = "log"                   # or "discard"
/// network = ["https://api.example.com", "http://127.0.0.1:8080"]   # outgoing-http allowlist (NetworkPattern)
/// dirs = [{ host = "data", guest = "/data", access = "ro" }]   # preopened directories; access "ro" or "rw"
///
/// [limits]
/// max-memory-mb = 64
/// fuel = 1000000
/// stack-kb = 512
/// max-output-mb = 16
/// timeout-ms = 30000              # wall clock per call
/// max-message-kb = 64             # one log line or event; longer ones are cut
/// max-table-elements = 100000     # all tables together (8 bytes of host memory each)
/// max-host-call-mb = 16           # one host-import call's arguments (default: max-output-mb)
/// max-resource-handles = 65536    # handles one instance holds at once (WASI 0.2 streams, files, resources)
///
/// [pool]                          # warm instances per version (RolloutSettings)
/// size = 2
/// max-invocations = 10000         # then the instance is replaced
/// idle-timeout-ms = 300000
/// max-queue = 512                 # calls waiting for an instance; more fail at once with `overloaded`
/// max-wait-ms = 10000             # the longest a call waits for an instance
///
/// [rollout]
/// canary-percent = 10             # a new file starts as a canary at 10 % instead of replacing stable
/// keep-versions = 5               # earlier stable versions kept for rollback
/// min-calls = 50                  # canary guardrails, judged after this many calls:
/// max-error-rate = 0.05
/// max-trap-rate = 0.01
/// max-p95-ratio = 3.0             # canary p95 latency / stable p95 latency,
/// min-p95-ms = 5                  # judged once the canary's p95 is at least this
///
/// [failure]
/// policy = "fail-closed"          # or "fail-open" (answer `fallback`) or "reload" (retry on a fresh instance)
/// fallback = "service unavailable"
/// max-crashes = 5                 # traps within crash-window-ms, then the version is quarantined
/// crash-window-ms = 60000
/// ```
///
/// Unknown keys and wrong types are `invalidManifest` errors naming the key, its table and its line.
public struct PluginManifest: Sendable, Hashable {
    /// One `env` entry of `[capabilities]`.
    public enum EnvironmentEntry: Sendable, Hashable {
        /// `NAME`: the plugin sees the host's value (nothing when the host has none).
        case inherit(String)
        /// `NAME=value`: the plugin sees this literal.
        case literal(String, String)
    }

    /// `[capabilities]`: each `nil` keeps the policy's value.
    public struct Capabilities: Sendable, Hashable {
        public var environment: [EnvironmentEntry] = []
        public var arguments: [String] = []
        public var clocks: Bool?
        public var random: Bool?
        public var stdio: PluginCapabilities.Stdio?
        /// `network`: allowlist entries, added to the policy's (which has none).
        public var network: [NetworkPattern] = []
        /// `dirs`: host paths as written (relative ones are relative to the manifest's directory).
        public var directories: [PreopenedDirectory] = []
        public init() {}
    }

    /// `[limits]`: each `nil` keeps the policy's value.
    public struct Limits: Sendable, Hashable {
        public var maxMemoryMB: Int?
        public var fuel: UInt64?
        public var stackKB: Int?
        public var maxOutputMB: Int?
        public var timeoutMilliseconds: Int?
        public var maxMessageKB: Int?
        public var maxHostCallMB: Int?
        public var maxTableElements: Int?
        public var maxResourceHandles: Int?
        public init() {}
    }

    /// One `[config]` entry.
    public struct ConfigEntry: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The name the plugin is registered under.
    public var name: String?
    public var version: String?
    /// The plugin file, relative to the manifest's directory (`nil`: the only `.wasm`/`.wat` beside it).
    public var wasm: String?
    /// The pinned SHA-256 of the plugin file, lowercase hex.
    public var sha256: String?
    /// The world the plugin implements, `ns:pkg/world@version`.
    public var world: String?
    public var policy: PluginPolicy = .restricted
    /// `engine`: the engine the plugin runs on (`nil`: the host's default).
    public var engine: PluginEngine?
    /// `[config]`, in the order of the file.
    public var config: [ConfigEntry] = []
    public var capabilities = Capabilities()
    public var limits = Limits()
    /// `[pool]`, `[rollout]` and `[failure]`: how a ``PluginRegistry`` pools, rolls out and protects the plugin.
    public var rollout = RolloutSettings()
    /// The file the manifest was read from (for messages), e.g. `plugin.toml`.
    public var fileName: String
    /// The directory the manifest was read from, when read from a file.
    public var directory: String?

    public init(fileName: String = "plugin.toml") {
        self.fileName = fileName
    }

    /// The capabilities the manifest grants: the policy's, adjusted by `[capabilities]`. Relative `dirs` host paths
    /// are made relative to ``directory`` (a missing directory fails the load, naming the plugin and the path).
    /// `environment` is the host's environment, where `env = ["NAME"]` entries look up their value (a name the host
    /// lacks is not passed on).
    public func grantedCapabilities(environment: [String: String]) -> PluginCapabilities {
        var granted = policy.capabilities
        for entry in capabilities.environment {
            switch entry {
            case .inherit(let name): if let value = environment[name] { granted.environment[name] = value }
            case .literal(let name, let value): granted.environment[name] = value
            }
        }
        granted.arguments = capabilities.arguments
        if let clocks = capabilities.clocks { granted.allowsClocks = clocks }
        if let random = capabilities.random { granted.allowsRandom = random }
        if let stdio = capabilities.stdio { granted.stdio = stdio }
        for pattern in capabilities.network where !granted.network.contains(pattern) { granted.network.append(pattern) }
        granted.directories += capabilities.directories.map { entry in
            var resolved = entry
            if !entry.hostPath.hasPrefix("/"), let directory, !directory.isEmpty { resolved.hostPath = directory + "/" + entry.hostPath }
            return resolved
        }
        return granted
    }

    /// The limits the manifest sets: the policy's, adjusted by `[limits]`.
    public var resolvedLimits: PluginLimits {
        var bounds = policy.limits
        if let megabytes = limits.maxMemoryMB { bounds.maxMemoryBytes = megabytes << 20 }
        if let fuel = limits.fuel { bounds.fuelPerCall = fuel }
        if let kilobytes = limits.stackKB { bounds.stackBytes = kilobytes << 10 }
        if let megabytes = limits.maxOutputMB { bounds.maxOutputBytes = megabytes << 20 }
        if let milliseconds = limits.timeoutMilliseconds { bounds.timeout = .milliseconds(milliseconds) }
        if let kilobytes = limits.maxMessageKB { bounds.maxMessageBytes = kilobytes << 10 }
        if let megabytes = limits.maxHostCallMB { bounds.maxHostCallBytes = megabytes << 20 }
        if let elements = limits.maxTableElements { bounds.maxTableElements = elements }
        if let handles = limits.maxResourceHandles { bounds.maxResourceHandles = handles }
        return bounds
    }
}
