import PlugboardABI
/// What one plugin is granted beyond computing. Deny by default: `PluginCapabilities()` grants nothing (no
/// environment, no arguments, no clocks, no random, no directories); stdout and stderr are captured into the
/// host's log, and stdin is empty.
///
/// Enforced by the host's WASI layer (`WASIPreview1`): `environ_*` and `args_*` serve exactly these values,
/// `clock_*` and `random_get` return `EACCES` when not granted (wasi-libc plugins still start: its startup
/// does not need either), `.discard` drops what the plugin writes to stdout and stderr, and `.inherit` (with
/// ``standardInput`` `.inherit`) connects them to the host process's own streams. ``directories``
/// are the only files the plugin can reach (see ``PreopenedDirectory``), and ``network`` is enforced by the
/// `outgoing-http` host functions (``HostFunction/outgoingHTTP(_:)``).
public struct PluginCapabilities: Sendable, Hashable {
    /// What happens to what the plugin writes to stdout and stderr.
    public enum Stdio: String, Sendable, Hashable, CaseIterable {
        /// Captured line by line into the host's log, with the plugin's name (the default).
        case log
        /// Dropped.
        case discard
        /// Written unchanged, byte for byte, to the host process's own stdout and stderr. For a program run as a
        /// command (`plugboard exec`, `WASIProgram`), whose output is the point; a manifest cannot ask for it
        /// (see ``manifestCases``), so a plugin never writes into its host's output.
        case inherit

        /// The modes a plugin's manifest may name (`stdio = "log"` or `"discard"`).
        public static let manifestCases: [Stdio] = [.log, .discard]
    }

    /// What the plugin reads from stdin.
    public enum StandardInput: String, Sendable, Hashable, CaseIterable {
        /// Nothing: stdin is at its end at once (the default).
        case empty
        /// The host process's own stdin, read as the guest asks for it (what `plugboard exec` uses).
        case inherit
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
    /// What the plugin's stdin reads.
    public var standardInput: StandardInput
    /// The destinations `outgoing-http` may reach (deny by default: empty reaches nothing). See ``NetworkPattern``.
    public var network: [NetworkPattern]
    /// Host directories the plugin sees as preopened directories (none by default: no filesystem at all).
    public var directories: [PreopenedDirectory]

    public init(
        environment: [String: String] = [:], arguments: [String] = [], allowsClocks: Bool = false, allowsRandom: Bool = false,
        stdio: Stdio = .log, standardInput: StandardInput = .empty, network: [NetworkPattern] = [], directories: [PreopenedDirectory] = []
    ) {
        self.standardInput = standardInput
        self.network = network
        self.environment = environment
        self.arguments = arguments
        self.allowsClocks = allowsClocks
        self.allowsRandom = allowsRandom
        self.stdio = stdio
        self.directories = directories
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
        case .fsRead(let host, let guest), .fsWrite(let host, let guest):
            let writes = if case .fsWrite = capability { true } else { false }
            if granted {
                directories.removeAll { $0.guestPath == (guest ?? host) }
                directories.append(PreopenedDirectory(hostPath: host, guestPath: guest, access: writes ? .readWrite : .readOnly))
            } else if writes {
                for index in directories.indices where directories[index].hostPath == host { directories[index].access = .readOnly }
            } else {
                directories.removeAll { $0.hostPath == host }
            }
        }
    }
}

/// A host directory a plugin sees as a WASI preopened directory (`fd_prestat_get` fds 3, 4, … in the order
/// of ``PluginCapabilities/directories``).
///
/// Enforced by the host's WASI layer: every path is resolved component by component from a directory file
/// descriptor the host holds, with `O_NOFOLLOW`, so absolute paths, `..` above the preopen and symbolic links
/// (which are never followed, neither inside the preopen nor as the last component) cannot reach anything
/// outside it; such paths fail with `ENOTCAPABLE` (`..` and absolute paths) or `ELOOP` (a symlink). Under a
/// ``Access/readOnly`` directory every modification (opening for writing, creating, truncating, renaming,
/// unlinking, mkdir, rmdir, resizing) fails with `EROFS` before it reaches the host filesystem.
public struct PreopenedDirectory: Sendable, Hashable {
    /// What the plugin may do under the directory.
    public enum Access: String, Sendable, Hashable, CaseIterable {
        /// Read files, list directories, stat (the default).
        case readOnly = "ro"
        /// Also create, write, truncate, rename and remove files and directories.
        case readWrite = "rw"
    }

    /// The directory on the host (resolved by the host when the plugin is instantiated).
    public var hostPath: String
    /// The path the plugin sees, e.g. `/data`.
    public var guestPath: String
    public var access: Access

    public init(hostPath: String, guestPath: String? = nil, access: Access = .readOnly) {
        self.hostPath = hostPath
        self.guestPath = guestPath ?? hostPath
        self.access = access
    }
}

/// A named policy: what a plugin is granted and may consume, before any manifest entry or runtime grant.
/// No policy grants directories.
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
///
/// Directories: granting `fsRead`/`fsWrite` preopens the host directory read-only/read-write at the guest path
/// (replacing an earlier grant of the same guest path); revoking `fsRead` removes every preopen of that host
/// directory, revoking `fsWrite` makes them read-only.
public enum Capability: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable with the value the plugin sees (ignored when revoking).
    case env(String, value: String = "")
    /// `clock_time_get` and `clock_res_get`.
    case clocks
    /// `random_get`.
    case random
    /// One entry of the network allowlist (`outgoing-http`).
    case network(NetworkPattern)

    /// A host directory preopened read-only at `guest` (default: the host path as given).
    case fsRead(host: String, guest: String? = nil)
    /// A host directory preopened read-write at `guest` (default: the host path as given).
    case fsWrite(host: String, guest: String? = nil)

    /// The spellings ``init(parsing:)`` accepts.
    public static let knownNames = ["env:NAME=VALUE", "clocks", "random", "network:scheme://host[:port]", "fs-read:HOST[:GUEST]", "fs-write:HOST[:GUEST]"]

    /// Parses `clocks`, `random`, `env:NAME=VALUE` (`env:NAME` for an empty value, e.g. to revoke),
    /// `network:scheme://host[:port]` (see ``NetworkPattern``), `fs-read:HOST[:GUEST]` or `fs-write:HOST[:GUEST]`
    /// (split at the last `:`).
    public init(parsing text: String) throws {
        switch text {
        case "clocks": self = .clocks
        case "random": self = .random
        default:
            for (prefix, writes) in [("fs-read:", false), ("fs-write:", true)] where text.hasPrefix(prefix) {
                let rest = text.dropFirst(prefix.count)
                let (host, guest): (Substring, Substring?) =
                    if let colon = rest.lastIndex(of: ":") { (rest[..<colon], rest[rest.index(after: colon)...]) } else { (rest, nil) }
                guard !host.isEmpty, guest?.isEmpty != true else { throw PlugboardError.unknownCapability(text) }
                self = writes ? .fsWrite(host: String(host), guest: guest.map(String.init)) : .fsRead(host: String(host), guest: guest.map(String.init))
                return
            }
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
        case .fsRead(let host, let guest): "fs-read:\(host)" + (guest.map { ":\($0)" } ?? "")
        case .fsWrite(let host, let guest): "fs-write:\(host)" + (guest.map { ":\($0)" } ?? "")
        }
    }
}
