/// What one plugin is granted beyond computing. Deny by default: `PluginCapabilities()` grants nothing (no
/// environment, no arguments, no clocks, no random); stdout and stderr are captured into the host's log.
///
/// Enforced by the host's WASI layer (`WASIPreview1`): `environ_*` and `args_*` serve exactly these values,
/// `clock_*` and `random_get` return `EACCES` when not granted (wasi-libc plugins still start: its startup
/// does not need either), and `.discard` drops what the plugin writes to stdout and stderr. ``network`` is
/// enforced by the `outgoing-http` host functions (``HostFunction/outgoingHTTP(_:)``).
public struct PluginCapabilities: Sendable, Hashable {
    /// What happens to what the plugin writes to stdout and stderr.
    public enum Stdio: String, Sendable, Hashable, CaseIterable {
        /// Captured line by line into the host's log, with the plugin's name (the default).
        case log
        /// Dropped.
        case discard
    }

    /// Environment variables the plugin sees, by name, with the value it sees (served sorted by name).
    public var environment: [String: String]
    /// Command-line arguments the plugin sees (`args_get`).
    public var arguments: [String]
    /// Whether the plugin may read the wall and monotonic clocks.
    public var allowsClocks: Bool
    /// Whether the plugin may read random bytes.
    public var allowsRandom: Bool
    /// What happens to the plugin's stdout and stderr.
    public var stdio: Stdio
    /// The destinations `outgoing-http` may reach (deny by default: empty reaches nothing). See ``NetworkPattern``.
    public var network: [NetworkPattern]

    public init(
        environment: [String: String] = [:], arguments: [String] = [], allowsClocks: Bool = false, allowsRandom: Bool = false,
        stdio: Stdio = .log, network: [NetworkPattern] = []
    ) {
        self.network = network
        self.environment = environment
        self.arguments = arguments
        self.allowsClocks = allowsClocks
        self.allowsRandom = allowsRandom
        self.stdio = stdio
    }

    /// The brief's `restricted` policy: nothing granted (the default).
    public static let restricted = PluginCapabilities()
    /// The brief's `standard` policy, as far as it concerns these capabilities: clocks and random.
    public static let standard = PluginCapabilities(allowsClocks: true, allowsRandom: true)

    /// Applies one grant or revocation.
    public mutating func apply(_ capability: Capability, granted: Bool) {
        switch capability {
        case .env(let name, let value):
            if granted { environment[name] = value } else { environment[name] = nil }
        case .clocks: allowsClocks = granted
        case .random: allowsRandom = granted
        case .network(let pattern):
            network.removeAll { $0 == pattern }
            if granted { network.append(pattern) }
        }
    }
}

/// A named policy: what a plugin is granted and may consume, before any manifest entry or runtime grant.
public enum PluginPolicy: String, Sendable, Hashable, CaseIterable {
    /// Nothing granted, 32 MiB of memory, 30 s per call. The default for a plugin without a manifest.
    case restricted
    /// Clocks and random granted, 64 MiB of memory, 60 s per call.
    case standard

    public var capabilities: PluginCapabilities {
        switch self {
        case .restricted: .restricted
        case .standard: .standard
        }
    }

    public var limits: PluginLimits {
        switch self {
        case .restricted: PluginLimits(maxMemoryBytes: 32 << 20)
        case .standard: PluginLimits(maxMemoryBytes: 64 << 20, timeout: .seconds(60))
        }
    }
}

/// One capability that can be granted to or revoked from a plugin at runtime (see ``CapabilityManager``).
public enum Capability: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable with the value the plugin sees (ignored when revoking).
    case env(String, value: String = "")
    /// `clock_time_get` and `clock_res_get`.
    case clocks
    /// `random_get`.
    case random
    /// One entry of the network allowlist (`outgoing-http`).
    case network(NetworkPattern)

    /// The spellings ``init(parsing:)`` accepts.
    public static let knownNames = ["env:NAME=VALUE", "clocks", "random", "network:scheme://host[:port]"]

    /// Parses `clocks`, `random`, `env:NAME=VALUE` (`env:NAME` for an empty value, e.g. to revoke) or
    /// `network:scheme://host[:port]` (see ``NetworkPattern``).
    public init(parsing text: String) throws {
        switch text {
        case "clocks": self = .clocks
        case "random": self = .random
        default:
            if text.hasPrefix("network:") {
                self = .network(try NetworkPattern(parsing: String(text.dropFirst("network:".count))))
            } else if text.hasPrefix("env:"), text.count > 4 {
                let rest = text.dropFirst(4)
                if let equals = rest.firstIndex(of: "=") {
                    guard equals != rest.startIndex else { throw PlugboardError.unknownCapability(text) }
                    self = .env(String(rest[..<equals]), value: String(rest[rest.index(after: equals)...]))
                } else {
                    self = .env(String(rest))
                }
            } else {
                throw PlugboardError.unknownCapability(text)
            }
        }
    }

    public var description: String {
        switch self {
        case .env(let name, _): "env:\(name)"
        case .clocks: "clocks"
        case .random: "random"
        case .network(let pattern): "network:\(pattern)"
        }
    }
}
