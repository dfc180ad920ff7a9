import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// What a ``PluginRegistry`` knows about one plugin: its versions, split, state and health, for listings and the
/// admin API.
public struct PluginSummary: Sendable {
    /// Whether the plugin serves calls.
    public enum State: String, Sendable, Hashable {
        /// Serving.
        case active
        /// Crashed too often; calls fail with `quarantined` (or get the fail-open fallback).
        case quarantined
    }

    /// One version of the plugin.
    public struct Version: Sendable {
        public var version: String
        public var sha256: String
        /// The engine it runs on (`wasmkit`, `wasmtime`).
        public var engine: String
        public var loadedAt: Date
        public var sourcePath: String?
        public var stats: VersionStats.Snapshot
    }

    public var name: String
    public var state: State
    public var quarantineReason: String?
    public var stable: Version
    public var canary: Version?
    /// The canary's share of calls, 0...100.
    public var canaryPercent: Double
    /// Earlier stable versions kept for rollback, newest first.
    public var previousVersions: [String]
    /// Versions swapped out that are still finishing calls in flight; each is released when its last call returns.
    public var draining: [Version]
    public var limits: PluginLimits
    public var capabilities: PluginCapabilities
    public var pool: InstancePoolConfiguration
    /// The most recent rollout events, oldest first.
    public var history: [RolloutEvent]
}

/// A plugin file a ``PluginRegistry`` found but could not load, with the reason.
public struct FailedPlugin: Sendable {
    public var name: String
    public var path: String
    public var error: PlugboardError
    public var failedAt: Date
}
