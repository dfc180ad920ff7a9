import PlugboardABI
/// When a canary is rolled back on its own: once it has served ``minimumCalls``, any guardrail it breaches.
public struct CanaryGuardrails: Sendable, Hashable {
    /// Calls the canary must serve before the guardrails are judged (default 50).
    public var minimumCalls: Int
    /// The most failed calls (errors, traps, limits, and `process` responses with `success: false`), as a
    /// fraction of calls (default 0.05).
    public var maxErrorRate: Double
    /// The most traps and limit hits, as a fraction of calls (default 0.01).
    public var maxTrapRate: Double
    /// The most the canary's p95 latency may be, as a multiple of the stable version's (default 3; judged once
    /// both have served ``minimumCalls``).
    public var maxP95Ratio: Double
    /// The latency guardrail judges only a canary whose p95 is at least this (default 5 ms): between calls of a few
    /// microseconds, a ratio measures scheduling noise, not the plugin.
    public var minimumP95: Duration

    public init(
        minimumCalls: Int = 50, maxErrorRate: Double = 0.05, maxTrapRate: Double = 0.01, maxP95Ratio: Double = 3,
        minimumP95: Duration = .milliseconds(5)
    ) {
        self.minimumCalls = minimumCalls
        self.maxErrorRate = maxErrorRate
        self.maxTrapRate = maxTrapRate
        self.maxP95Ratio = maxP95Ratio
        self.minimumP95 = minimumP95
    }
}

/// What a call gets when the plugin fails, and when a crashing plugin is taken out of service.
public struct FailurePolicy: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// The caller gets the error (default).
        case failClosed = "fail-closed"
        /// The caller of `process` gets ``FailurePolicy/fallback`` as a response with `success: false`.
        case failOpen = "fail-open"
        /// The call is retried once on a fresh instance after an exponential backoff (100 ms, doubling per
        /// consecutive crash, at most 10 s).
        case reload
    }

    public var mode: Mode
    /// The output a fail-open `process` answers with.
    public var fallback: String
    /// Crashes (traps and limit hits) within ``crashWindow`` after which the version is quarantined: its calls fail
    /// at once with `quarantined` until it is reloaded or replaced (default 5).
    public var maxCrashes: Int
    public var crashWindow: Duration

    public init(mode: Mode = .failClosed, fallback: String = "", maxCrashes: Int = 5, crashWindow: Duration = .seconds(60)) {
        self.mode = mode
        self.fallback = fallback
        self.maxCrashes = maxCrashes
        self.crashWindow = crashWindow
    }
}

/// A plugin's lifecycle settings from its manifest's `[pool]`, `[rollout]` and `[failure]` tables.
public struct RolloutSettings: Sendable, Hashable {
    /// How the instances of each version are pooled (size, recycling, idle timeout).
    public var pool = InstancePoolConfiguration()
    public var guardrails = CanaryGuardrails()
    public var failure = FailurePolicy()
    /// When set, a new version found by the directory watcher starts as a canary at this percentage instead of
    /// replacing the stable version.
    public var canaryPercent: Double?
    /// Earlier stable versions kept for rollback (default 5).
    public var keepVersions = 5

    public init() {}
}
