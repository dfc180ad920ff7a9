import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// Watches plugin directories for hot reload: a ``DirectoryWatcher`` backend, filtered to plugin files and
/// debounced, so each save of a plugin is one change.
///
/// Reported paths are `.wasm` and `.wat` files and `plugin.toml` manifests directly in a watched directory or in
/// one of its subdirectories (`DIR/name.wasm`, `DIR/name/plugin.wasm`, `DIR/name/plugin.toml`); hidden files
/// and editors' temporary files are ignored. Each path is reported once it has been quiet for the debounce
/// interval, with its final state (see ``ChangeDebouncer``).
///
/// ```swift
/// let monitor = PluginDirectoryMonitor()
/// for await change in try monitor.start(watching: ["/srv/plugins"]) {
///     // reload, load or unload the plugin that change.path belongs to
/// }
/// ```
///
/// The stream finishes after ``stop()`` (changes still being debounced are dropped); cancelling the task iterating
/// it, or dropping it, stops the backend.
package final class PluginDirectoryMonitor: DirectoryWatcher {
    /// How long a path must be quiet before its change is reported.
    public let debounce: Duration
    private let watcher: any DirectoryWatcher

    /// Makes a monitor; nothing is watched until ``start(watching:)``.
    ///
    /// - Parameters:
    ///   - debounce: How long a path must go without changes before it is reported. (Default: 100 ms)
    ///   - backend: How changes are noticed. (Default: ``DirectoryWatcherBackend/automatic``, inotify on Linux)
    public init(debounce: Duration = .milliseconds(100), backend: DirectoryWatcherBackend = .automatic) {
        self.debounce = debounce
        self.watcher = backend.makeWatcher()
    }

    /// Starts watching the plugin directories `directories` and returns their plugin files' changes.
    ///
    /// - Throws: ``DirectoryWatcherError`` when a directory is missing, not a directory or unreadable, when the
    ///   system's inotify limits are reached, or when the monitor was already started.
    public func start(watching directories: [String]) throws(DirectoryWatcherError) -> AsyncStream<DirectoryChange> {
        let changes = try watcher.start(watching: directories)
        let (relevant, continuation) = AsyncStream.makeStream(of: DirectoryChange.self)
        let filter = Task {
            for await change in changes where PluginFileFilter.isPluginFile(relativePath: change.relativePath) {
                continuation.yield(change)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in filter.cancel() }
        return ChangeDebouncer(quiet: debounce).debounce(relevant)
    }

    public func stop() {
        watcher.stop()
    }
}
