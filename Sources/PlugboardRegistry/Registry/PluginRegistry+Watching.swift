import Logging
import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

extension PluginRegistry {
    /// Watches plugin directories and applies what changes in them (see ``PluginDirectoryMonitor``): a changed
    /// plugin file or `plugin.toml` deploys a new version of its plugin (as the stable version, or as a canary
    /// when its `[rollout] canary-percent` is set), a new file loads a new plugin, and a deleted one unloads its
    /// plugin once its calls finish. A version that fails any check is refused and the old one keeps serving.
    ///
    /// - Throws: `DirectoryWatcherError` when a directory cannot be watched.
    public func startWatching(_ directories: [String], backend: DirectoryWatcherBackend = .automatic) throws {
        stopWatching()
        let monitor = PluginDirectoryMonitor(debounce: configuration.reloadDebounce, backend: backend)
        let changes = try monitor.start(watching: directories)
        watcher = monitor
        watchTask = Task { [weak self] in
            for await change in changes {
                await self?.apply(change)
            }
        }
        logger.info("Watching plugin directories", metadata: ["plugboard.directories": .string(directories.joined(separator: ", "))])
    }

    /// Stops watching; plugins stay loaded.
    public func stopWatching() {
        watcher?.stop()
        watcher = nil
        watchTask?.cancel()
        watchTask = nil
    }

    /// Applies one debounced change of a plugin file or manifest.
    package func apply(_ change: DirectoryChange) async {
        let path = change.path
        let parent = (path as NSString).deletingLastPathComponent
        let affected = entries.first { _, entry in
            guard let source = entry.sourcePath else { return false }
            return source == path || source == parent || (path.hasSuffix("/plugin.toml") && (source as NSString).deletingLastPathComponent == parent)
        }
        if let (name, entry) = affected {
            guard let source = entry.sourcePath, FileManager.default.fileExists(atPath: source) else {
                logger.info("Plugin file removed; unloading after its calls finish", metadata: ["plugin.name": .string(name), "plugin.path": .string(path)])
                try? await unload(name)
                return
            }
            if path == source, let bytes = try? PluginBinary.readFile(path), Self.sha256(bytes) == entry.stable.sha256 { return }  // touched, not changed
            _ = try? await deploy(name, path: source, canaryPercent: entry.stable.settings.canaryPercent)
            return
        }
        guard change.kind != .removed else {
            failed = failed.filter { $0.value.path != path && $0.value.path != parent }
            return
        }
        // A plugin not loaded yet: a file in a watched directory, or a subdirectory's manifest or plugin file.
        let directoryName = (parent as NSString).lastPathComponent
        let candidate: (path: String, name: String?)?
        if change.directory == parent {
            candidate = path.hasSuffix(".wasm") || path.hasSuffix(".wat") ? (path, nil) : nil
        } else if FileManager.default.fileExists(atPath: parent + "/plugin.toml") {
            candidate = (parent, nil)
        } else if ["plugin.wasm", "plugin.wat"].contains((path as NSString).lastPathComponent) {
            candidate = (path, directoryName)
        } else {
            candidate = nil
        }
        guard let candidate else { return }
        do {
            try await load(path: candidate.path, name: candidate.name)
        } catch let error as PlugboardError where error.code == .pluginAlreadyLoaded {
            return
        } catch let error as PlugboardError {
            let name = candidate.name ?? PluginHost.stem(of: candidate.path)
            metrics.reload(name, refused: true)
            rolloutBroadcaster.publish(RolloutEvent(plugin: error.plugin ?? name, kind: .reloadRefused, detail: error.description))
            recordFailure(path: candidate.path, name: candidate.name, error)
        } catch {
            recordFailure(path: candidate.path, name: candidate.name, .invalidArgument("\(error)"))
        }
    }
}
