import Foundation
import Plugboard
import PlugboardHTTPFetch

/// A plugin as `GET /v1/plugins` and `GET /v1/plugins/{name}` describe it.
struct PluginDescription: Encodable, Sendable {
    struct Version: Encodable, Sendable {
        struct Stats: Encodable, Sendable {
            var calls: Int
            var failures: Int
            var crashes: Int
            var timeouts: Int
            var failureRate: Double
            var fuelUsed: UInt64
            var memoryHighWaterBytes: Int
            var p50Ms: Double?
            var p95Ms: Double?
            var lastError: String?
        }
        var version: String
        var sha256: String
        var engine: String
        var loadedAt: Date
        var source: String?
        var stats: Stats
    }

    struct Limits: Encodable, Sendable {
        var maxMemoryBytes: Int
        var fuelPerCall: UInt64?
        var stackBytes: Int
        var maxOutputBytes: Int
        var timeoutMs: Double?
    }

    struct Capabilities: Encodable, Sendable {
        struct Directory: Encodable, Sendable {
            var host: String
            var guest: String
            var access: String
        }
        /// Names only: values may be secrets.
        var env: [String]
        var clocks: Bool
        var random: Bool
        var stdio: String
        var network: [String]
        var dirs: [Directory]
    }

    struct Pool: Encodable, Sendable {
        var size: Int
        var maxInvocations: Int
        var idleTimeoutMs: Double
    }

    struct Health: Encodable, Sendable {
        var status: String
        var version: String?
        var lastError: String?
        var checkedAt: Date?
    }

    struct Event: Encodable, Sendable {
        var kind: String
        var version: String?
        var detail: String?
        var date: Date
    }

    var name: String
    var state: String
    var quarantineReason: String?
    var stable: Version
    var canary: Version?
    var canaryPercent: Double
    var previousVersions: [String]
    var draining: [Version]
    var limits: Limits
    var capabilities: Capabilities
    var pool: Pool
    var health: Health
    var history: [Event]

    init(_ summary: PluginSummary, capabilities: PluginCapabilities, health: PluginHealth?) {
        name = summary.name
        state = summary.state.rawValue
        quarantineReason = summary.quarantineReason
        stable = Version(summary.stable)
        canary = summary.canary.map(Version.init)
        canaryPercent = summary.canaryPercent
        previousVersions = summary.previousVersions
        draining = summary.draining.map(Version.init)
        let limits = summary.limits
        self.limits = Limits(
            maxMemoryBytes: limits.maxMemoryBytes, fuelPerCall: limits.fuelPerCall, stackBytes: limits.stackBytes,
            maxOutputBytes: limits.maxOutputBytes, timeoutMs: limits.timeout?.inMilliseconds)
        self.capabilities = Capabilities(
            env: capabilities.environment.keys.sorted(), clocks: capabilities.allowsClocks, random: capabilities.allowsRandom,
            stdio: capabilities.stdio.rawValue, network: capabilities.network.map { "\($0)" },
            dirs: capabilities.directories.map { .init(host: $0.hostPath, guest: $0.guestPath, access: $0.access.rawValue) })
        pool = Pool(size: summary.pool.size, maxInvocations: summary.pool.maxInvocations, idleTimeoutMs: summary.pool.idleTimeout.inMilliseconds)
        self.health =
            if let health {
                Health(status: health.status.rawValue, version: health.version, lastError: health.lastError, checkedAt: health.checkedAt)
            } else {
                Health(status: "unknown")
            }
        history = summary.history.map { Event(kind: $0.kind.rawValue, version: $0.version, detail: $0.detail, date: $0.date) }
    }
}

extension PluginDescription.Version {
    init(_ version: PluginSummary.Version) {
        self.version = version.version
        sha256 = version.sha256
        engine = version.engine
        loadedAt = version.loadedAt
        source = version.sourcePath
        let stats = version.stats
        self.stats = Stats(
            calls: stats.calls, failures: stats.failures, crashes: stats.crashes, timeouts: stats.timeouts,
            failureRate: stats.failureRate, fuelUsed: stats.fuelUsed, memoryHighWaterBytes: stats.memoryHighWater,
            p50Ms: stats.p50?.inMilliseconds, p95Ms: stats.p95?.inMilliseconds,
            lastError: stats.lastError)
    }
}

/// A plugin file that failed to load, as the listing reports it.
struct FailedPluginDescription: Encodable, Sendable {
    var name: String
    var path: String
    var error: APIError.ErrorBody.Detail
    var failedAt: Date

    init(_ failed: FailedPlugin) {
        name = failed.name
        path = failed.path
        error = APIError.ErrorBody.Detail(code: failed.error.code.rawValue, message: failed.error.description, plugin: failed.name, hint: failed.error.hint)
        failedAt = failed.failedAt
    }
}

/// The body of `GET /v1/plugins`.
struct PluginList: Encodable, Sendable {
    var plugins: [PluginDescription]
    var failed: [FailedPluginDescription]
}
