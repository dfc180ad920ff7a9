import Logging
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
extension PluginRegistry {
    /// Deploys a new version of plugin `name` from a file (or manifest directory): as its canary at
    /// `canaryPercent`, or, when that is `nil`, as its new stable version (the old one is kept for rollback).
    ///
    /// The new version is compiled, linked and instantiated before any call is routed to it; if any step fails,
    /// nothing changes, the refusal is logged and reported as a `reload-refused` event, and the error is thrown.
    @discardableResult
    public func deploy(_ name: String, path: String, canaryPercent: Double? = nil) async throws -> PluginSummary {
        guard entries[name] != nil else { throw notFound(name) }
        let source: PluginVersion.Source
        do {
            source = try self.source(at: path, name: name)
        } catch let error as PlugboardError {
            refuse(name, error)
            throw error
        }
        return try await deploy(source, canaryPercent: canaryPercent)
    }

    /// Deploys new bytes of plugin `name`, with the current stable version's options and settings.
    @discardableResult
    public func deploy(_ name: String, bytes: [UInt8], canaryPercent: Double? = nil) async throws -> PluginSummary {
        guard let entry = entries[name] else { throw notFound(name) }
        var source = entry.stable.source
        source.bytes = bytes
        source.sha256 = Self.sha256(bytes)
        source.reportedVersion = nil
        source.sourcePath = nil
        return try await deploy(source, canaryPercent: canaryPercent)
    }

    package func deploy(_ source: PluginVersion.Source, canaryPercent: Double?) async throws -> PluginSummary {
        let name = source.name
        if let canaryPercent, !(0...100).contains(canaryPercent) { throw PlugboardError.invalidCanaryPercent(name, canaryPercent) }
        let version: PluginVersion
        do {
            version = try await makeVersion(source)
        } catch let error as PlugboardError {
            refuse(name, error)
            throw error
        }
        guard var entry = entries[name] else {
            await version.drain()
            throw notFound(name)
        }
        var retired: [PluginVersion] = []
        if let canaryPercent {
            if let old = entry.canary { retired.append(old) }
            entry.canary = version
            entry.canaryPercent = canaryPercent
        } else {
            retired.append(entry.stable)
            keepForRollback(entry.stable, in: &entry)
            entry.stable = version
        }
        let wasQuarantined = entry.quarantine != nil
        entry.quarantine = nil
        if let path = source.sourcePath { entry.sourcePath = path }
        entries[name] = entry
        metrics.reload(name, refused: false)
        let saved = record(of: version)
        persist { state in
            if let canaryPercent {
                try state.deployCanary(saved, percent: canaryPercent, for: name)
            } else {
                state.deployStable(saved, for: name, keep: version.settings.keepVersions)
            }
            if wasQuarantined { try state.releaseQuarantine(name) }
        }
        record(
            RolloutEvent(
                plugin: name, kind: canaryPercent == nil ? .deployed : .canaryDeployed, version: version.version,
                detail: canaryPercent.map { "\(PluginRegistry.percentText($0)) of calls" }))
        retire(retired)
        return try summary(name)
    }

    /// Changes the canary's share of calls (0...100). Keys keep their version unless the change moves them:
    /// raising the share only moves keys from stable to canary.
    public func setCanaryPercent(_ name: String, _ percent: Double) throws {
        guard var entry = entries[name] else { throw notFound(name) }
        guard entry.canary != nil else { throw PlugboardError.noCanary(name, operation: "change the split") }
        guard (0...100).contains(percent) else { throw PlugboardError.invalidCanaryPercent(name, percent) }
        entry.canaryPercent = percent
        entries[name] = entry
        persist { try $0.setSplit(percent, for: name) }
        record(RolloutEvent(plugin: name, kind: .splitChanged, version: entry.canary?.version, detail: "\(Self.percentText(percent)) of calls"))
    }

    /// Makes the canary the stable version; the old stable version is kept for rollback.
    public func promote(_ name: String) throws {
        guard var entry = entries[name] else { throw notFound(name) }
        guard let canary = entry.canary else { throw PlugboardError.noCanary(name, operation: "promote") }
        let old = entry.stable
        keepForRollback(old, in: &entry)
        entry.stable = canary
        entry.canary = nil
        entry.canaryPercent = 0
        let wasQuarantined = entry.quarantine != nil
        entry.quarantine = nil
        entries[name] = entry
        persist { state in
            try state.promote(name, keep: canary.settings.keepVersions)
            if wasQuarantined { try state.releaseQuarantine(name) }
        }
        record(RolloutEvent(plugin: name, kind: .promoted, version: canary.version, detail: "replaces \(old.version)"))
        retire([old])
    }

    /// Drops the canary; every call goes to the stable version again.
    public func rollback(_ name: String) throws {
        guard var entry = entries[name] else { throw notFound(name) }
        guard let canary = entry.canary else { throw PlugboardError.noCanary(name, operation: "roll back") }
        entry.canary = nil
        entry.canaryPercent = 0
        entries[name] = entry
        persist { try $0.dropCanary(name) }
        metrics.rollback(name, reason: "manual")
        record(RolloutEvent(plugin: name, kind: .rolledBack, version: canary.version))
        retire([canary])
    }

    /// Replaces the stable version with the one before it (a canary, if any, stays).
    @discardableResult
    public func rollbackStable(_ name: String) async throws -> PluginSummary {
        guard let entry = entries[name] else { throw notFound(name) }
        guard let previous = entry.previous.last else { throw PlugboardError.noPreviousVersion(name) }
        let version = try await makeVersion(previous)
        guard var current = entries[name] else {
            await version.drain()
            throw notFound(name)
        }
        current.previous.removeAll { $0.sha256 == previous.sha256 }
        let old = current.stable
        current.stable = version
        let wasQuarantined = current.quarantine != nil
        current.quarantine = nil
        entries[name] = current
        let saved = record(of: version)
        persist { state in
            if state[name]?.previousStable.first?.sha256 == saved.sha256 {
                try state.rollbackStable(name)
            } else {
                state.deployStable(saved, for: name, keep: version.settings.keepVersions)
            }
            if wasQuarantined { try state.releaseQuarantine(name) }
        }
        metrics.rollback(name, reason: "stable")
        record(RolloutEvent(plugin: name, kind: .stableRolledBack, version: version.version, detail: "replaces \(old.version)"))
        retire([old])
        return try summary(name)
    }

    /// Reads plugin `name` from its file again and deploys it as the new stable version; this also takes it
    /// out of quarantine.
    @discardableResult
    public func reload(_ name: String) async throws -> PluginSummary {
        guard let entry = entries[name] else { throw notFound(name) }
        guard let path = entry.sourcePath else { throw PlugboardError.sourceUnknown(name) }
        return try await deploy(name, path: path)
    }

    /// Replaces every instance of plugin `name` (stable and canary) with a fresh one, so that capabilities granted or
    /// revoked through the host's ``CapabilityManager`` apply from the next call; calls in flight finish on their
    /// instances. Versions, split and statistics stay as they are.
    public func restartInstances(_ name: String) async throws {
        guard let entry = entries[name] else { throw notFound(name) }
        await entry.stable.recycleInstances()
        await entry.canary?.recycleInstances()
        logger.info("Plugin instances restarted", metadata: ["plugin.name": .string(name)])
    }

    package func keepForRollback(_ version: PluginVersion, in entry: inout Entry) {
        entry.previous.removeAll { $0.sha256 == version.sha256 }
        entry.previous.append(version.source)
        let keep = version.settings.keepVersions
        if entry.previous.count > keep { entry.previous.removeFirst(entry.previous.count - keep) }
    }

    /// Releases versions no call routes to any more, once their calls in flight finish; until then they are
    /// listed as draining.
    package func retire(_ versions: [PluginVersion]) {
        for version in versions {
            draining[version.id] = version
            Task {
                await version.drain()
                self.drained(version.id)
            }
        }
    }

    private func drained(_ id: UInt64) {
        draining[id] = nil
    }

    package func refuse(_ name: String, _ error: PlugboardError) {
        metrics.reload(name, refused: true)
        record(RolloutEvent(plugin: name, kind: .reloadRefused, detail: error.description))
    }

    package static func percentText(_ percent: Double) -> String {
        percent == percent.rounded() ? "\(Int(percent)) %" : "\(percent) %"
    }
}
