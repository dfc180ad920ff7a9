import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// Something that changed a plugin's versions, as a ``PluginRegistry`` reports it (and its history keeps).
public struct RolloutEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A plugin was loaded.
        case loaded
        /// A new stable version replaced the old one (a deploy or a hot reload).
        case deployed
        /// A canary was deployed.
        case canaryDeployed = "canary-deployed"
        /// The canary's share of calls changed.
        case splitChanged = "split-changed"
        /// The canary became the stable version.
        case promoted
        /// The canary was dropped by an operator.
        case rolledBack = "rolled-back"
        /// The canary breached a guardrail and was dropped.
        case autoRolledBack = "auto-rolled-back"
        /// The stable version went back to the previous one.
        case stableRolledBack = "stable-rolled-back"
        /// A new version (from the watcher or a deploy) failed a check and was not used; the old one keeps serving.
        case reloadRefused = "reload-refused"
        /// The plugin crashed too often and was taken out of service.
        case quarantined
        /// The plugin was unloaded.
        case unloaded
    }

    public var plugin: String
    public var kind: Kind
    /// The version the event is about, e.g. the new canary's.
    public var version: String?
    /// Details: the guardrail and its numbers, the reason a reload was refused, ...
    public var detail: String?
    public var date: Date

    public init(plugin: String, kind: Kind, version: String? = nil, detail: String? = nil, date: Date = Date()) {
        self.plugin = plugin
        self.kind = kind
        self.version = version
        self.detail = detail
        self.date = date
    }
}

/// The result of a call through a ``PluginRegistry``, with the version that served it.
public struct Routed<Value: Sendable>: Sendable {
    public var value: Value
    /// The serving version's ``PluginVersion/version``.
    public var version: String
    /// Whether the canary served it.
    public var servedByCanary: Bool
}

extension Routed: Equatable where Value: Equatable {}
package typealias RolloutEventBroadcaster = Broadcaster<RolloutEvent>

extension RolloutEvent: BufferedEvent {
    public var bufferedBytes: Int { 64 + plugin.utf8.count + (version?.utf8.count ?? 0) + (detail?.utf8.count ?? 0) }
}
