import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// The rollout of every plugin of a ``PluginRegistry`` as saved across restarts: each plugin's stable version,
/// canary and split, earlier stable versions, and quarantine. Versions refer to modules kept by content in the
/// state directory (``ModuleStore``).
package struct RolloutState: Codable, Sendable, Hashable {
    package struct VersionRecord: Codable, Sendable, Hashable {
        package var version: String
        package var sha256: String
        /// Where the module was stored when the record was made (informational; modules are found by `sha256`).
        package var modulePath: String
        package var deployedAt: Date
    }

    package struct Canary: Codable, Sendable, Hashable {
        package var record: VersionRecord
        package var percent: Double
    }

    package struct Quarantine: Codable, Sendable, Hashable {
        package var reason: String
        package var since: Date
    }

    package struct PluginRollout: Codable, Sendable, Hashable {
        package var stable: VersionRecord
        package var canary: Canary?
        /// Earlier stable versions, newest first.
        package var previousStable: [VersionRecord] = []
        package var quarantine: Quarantine?
        /// The last automatic rollback's reason, for operators.
        package var lastAutoRollback: String?
    }

    /// Changes the file layout's meaning when it changes; a state of another format is refused, not misread.
    package static let currentFormat = 1

    package var format = RolloutState.currentFormat
    package var plugins: [String: PluginRollout] = [:]

    package subscript(name: String) -> PluginRollout? { plugins[name] }

    /// Every module the state refers to, by SHA-256.
    package var referencedDigests: Set<String> {
        var digests: Set<String> = []
        for rollout in plugins.values {
            digests.insert(rollout.stable.sha256)
            if let canary = rollout.canary { digests.insert(canary.record.sha256) }
            for record in rollout.previousStable { digests.insert(record.sha256) }
        }
        return digests
    }

    /// `record` becomes the stable version; the old one moves to the front of the earlier versions (at most `keep`).
    package mutating func deployStable(_ record: VersionRecord, for name: String, keep: Int = 5) {
        guard var rollout = plugins[name] else {
            plugins[name] = PluginRollout(stable: record)
            return
        }
        if rollout.stable.sha256 != record.sha256 {
            rollout.previousStable.removeAll { $0.sha256 == rollout.stable.sha256 }
            rollout.previousStable.insert(rollout.stable, at: 0)
            rollout.previousStable = Array(rollout.previousStable.prefix(max(0, keep)))
        }
        rollout.stable = record
        plugins[name] = rollout
    }

    package mutating func deployCanary(_ record: VersionRecord, percent: Double, for name: String) throws(RolloutStateError) {
        try update(name) { $0.canary = Canary(record: record, percent: percent) }
    }

    package mutating func setSplit(_ percent: Double, for name: String) throws(RolloutStateError) {
        try update(name) { $0.canary?.percent = percent }
    }

    /// The canary becomes the stable version; the old stable version moves to the earlier versions.
    package mutating func promote(_ name: String, keep: Int = 5) throws(RolloutStateError) {
        guard let canary = plugins[name]?.canary else { throw .inconsistent("promote '\(name)': the saved state has no canary") }
        plugins[name]?.canary = nil
        deployStable(canary.record, for: name, keep: keep)
    }

    /// Drops the canary.
    package mutating func dropCanary(_ name: String) throws(RolloutStateError) {
        try update(name) { $0.canary = nil }
    }

    /// Drops the canary because it breached a guardrail.
    package mutating func autoRollback(_ name: String, reason: String) throws(RolloutStateError) {
        try update(name) {
            $0.canary = nil
            $0.lastAutoRollback = reason
        }
    }

    /// The newest earlier version becomes the stable version again; the replaced one is dropped.
    package mutating func rollbackStable(_ name: String) throws(RolloutStateError) {
        try update(name) { rollout throws(RolloutStateError) in
            guard !rollout.previousStable.isEmpty else { throw .inconsistent("roll back '\(name)': the saved state has no earlier version") }
            rollout.stable = rollout.previousStable.removeFirst()
        }
    }

    package mutating func quarantine(_ name: String, reason: String) throws(RolloutStateError) {
        try update(name) { $0.quarantine = Quarantine(reason: reason, since: Date()) }
    }

    package mutating func releaseQuarantine(_ name: String) throws(RolloutStateError) {
        try update(name) { $0.quarantine = nil }
    }

    package mutating func removePlugin(_ name: String) {
        plugins[name] = nil
    }

    private mutating func update(
        _ name: String, _ change: (inout PluginRollout) throws(RolloutStateError) -> Void
    ) throws(RolloutStateError) {
        guard var rollout = plugins[name] else { throw .inconsistent("the saved state has no plugin '\(name)'") }
        try change(&rollout)
        plugins[name] = rollout
    }
}

/// The saved rollout state could not be read or written.
public struct RolloutStateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?

    package static func inconsistent(_ message: String) -> RolloutStateError {
        RolloutStateError(message: "rollout state out of step with the registry: \(message)", hint: "The change is in effect; it is saved with the next full deploy")
    }

    package static func unreadable(_ path: String, _ reason: String) -> RolloutStateError {
        RolloutStateError(
            message: "the rollout state '\(path)' cannot be read: \(reason)",
            hint: "It was left untouched and nothing will be saved over it; repair it or move it away and restart (plugins then start from their files)")
    }

    public var description: String { hint.map { "\(message). \($0)" } ?? message }
}
