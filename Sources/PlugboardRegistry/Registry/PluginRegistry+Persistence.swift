import Logging
import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// Rollout state across restarts: every rollout operation is applied to a ``RolloutState`` and saved atomically by
/// a ``RolloutStateStore`` in ``PluginRegistry/Configuration/stateDirectory``, with each version's module kept
/// by content in its ``ModuleStore``. ``PluginRegistry/restoreState()`` brings it back.
extension PluginRegistry {
    /// Applies a change to the rollout state and saves it (when the registry has a state directory). A state that
    /// could not be read is never overwritten; a failed save is logged and the registry keeps serving.
    package func persist(_ change: (inout RolloutState) throws -> Void) {
        guard let store = persistence.store else { return }
        do {
            if persistence.state == nil { persistence.state = try store.load() }
            guard var state = persistence.state else { return }
            try change(&state)
            try store.save(state)
            persistence.state = state
            persistence.modules?.prune(keeping: state.referencedDigests)
        } catch {
            logger.error(
                "Rollout state not saved; the change is in effect but will not survive a restart",
                metadata: ["plugboard.state": .string(store.path), "error.message": .string("\(error)")])
        }
    }

    /// The record of `version` for the rollout state, its module stored by content.
    package func record(of version: PluginVersion) -> RolloutState.VersionRecord {
        var modulePath = ""
        if let modules = persistence.modules {
            do {
                modulePath = try modules.put(bytes: version.bytes, sha256: version.sha256)
            } catch {
                logger.error("Module not stored", metadata: ["plugin.name": .string(version.name), "error.message": .string("\(error)")])
            }
        }
        return RolloutState.VersionRecord(version: version.version, sha256: version.sha256, modulePath: modulePath, deployedAt: version.loadedAt)
    }

    /// Brings back the saved rollout state: each saved plugin's stable version, canary and split, earlier versions
    /// and quarantine. A plugin already loaded from its file keeps the file's version when the file changed after
    /// the saved deploy (it was updated while the host was down), and otherwise gets the saved versions, with its
    /// manifest's options; a plugin that exists only in the state (deployed as bytes) is loaded with the default
    /// options. Call it after loading the plugin directory.
    ///
    /// - Throws: ``RolloutStateError`` when the state file cannot be read (it is then left untouched, and no
    ///   later change is saved over it).
    public func restoreState() async throws {
        guard let store = persistence.store, let modules = persistence.modules else { return }
        let saved: RolloutState
        do {
            saved = try store.load()
        } catch {
            persistence.store = nil  // never overwrite a state an operator has to look at
            throw error
        }
        persistence.state = saved
        for name in saved.plugins.keys.sorted() {
            guard let rollout = saved[name] else { continue }
            do {
                try await restore(name, rollout, modules: modules)
            } catch {
                logger.error("Saved rollout not restored", metadata: ["plugin.name": .string(name), "error.message": .string("\(error)")])
            }
        }
    }

    private func restore(_ name: String, _ rollout: RolloutState.PluginRollout, modules: ModuleStore) async throws {
        func source(_ record: RolloutState.VersionRecord, like base: PluginVersion.Source) throws -> PluginVersion.Source {
            var source = base
            source.bytes = try modules.bytes(sha256: record.sha256)
            source.sha256 = record.sha256
            source.reportedVersion = record.version
            return source
        }
        if entries[name] == nil {
            let bytes = try modules.bytes(sha256: rollout.stable.sha256)
            let base = PluginVersion.Source(
                name: name, bytes: bytes, sha256: rollout.stable.sha256, sourcePath: nil, manifest: nil, options: configuration.defaultOptions,
                settings: configuration.defaultSettings)
            entries[name] = Entry(stable: try await makeVersion(base))
        }
        guard var entry = entries[name] else { return }
        let base = entry.stable.source
        let fileIsNewer = entry.sourcePath.flatMap(Self.modificationDate).map { $0 > rollout.stable.deployedAt } ?? false
        var retired: [PluginVersion] = []
        if entry.stable.sha256 != rollout.stable.sha256 && !fileIsNewer {
            retired.append(entry.stable)
            entry.stable = try await makeVersion(source(rollout.stable, like: base))
        }
        if let canary = rollout.canary {
            entry.canary = try await makeVersion(source(canary.record, like: base))
            entry.canaryPercent = canary.percent
        }
        entry.previous = rollout.previousStable.reversed().compactMap { try? source($0, like: base) }
        entry.quarantine = rollout.quarantine?.reason
        entries[name] = entry
        retire(retired)
        if fileIsNewer, entry.stable.sha256 != rollout.stable.sha256 {
            let record = record(of: entry.stable)
            persist { $0.deployStable(record, for: name, keep: entry.stable.settings.keepVersions) }
        }
        logger.info(
            "Rollout restored",
            metadata: [
                "plugin.name": .string(name), "plugin.version": .string(entry.stable.version),
                "plugin.canary": .string(entry.canary.map { "\($0.version) at \(Self.percentText(entry.canaryPercent))" } ?? "none"),
            ])
    }

    private static func modificationDate(_ path: String) -> Date? {
        var target = path
        if FileManager.default.fileExists(atPath: path + "/plugin.toml") { target = path + "/plugin.toml" }
        return (try? FileManager.default.attributesOfItem(atPath: target))?[.modificationDate] as? Date
    }
}

/// Where a registry keeps its rollout state, and the state as last read or saved.
package struct RegistryPersistence {
    package var store: RolloutStateStore?
    package let modules: ModuleStore?
    package var state: RolloutState?

    package init(directory: String?) {
        store = directory.map(RolloutStateStore.init(directory:))
        modules = directory.map(ModuleStore.init(directory:))
    }
}
