import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// Watches directories and reports what changes in them, so a host can reload plugins when their files change.
///
/// A watcher is started once: ``start(watching:)`` checks every directory and returns the stream of changes. The
/// stream finishes after ``stop()``; cancelling the task iterating it, or dropping it, stops the watcher too.
/// A watcher reports the entries of each directory and of its immediate subdirectories, which is where plugins
/// live (`DIR/name.wasm`, or `DIR/name/plugin.wasm` beside `DIR/name/plugin.toml`).
///
/// Backends report raw changes, several per save; ``PluginDirectoryMonitor`` adds debouncing and filtering.
package protocol DirectoryWatcher: Sendable {
    /// Starts watching `directories` and returns the changes beneath them.
    ///
    /// - Throws: ``DirectoryWatcherError`` when a directory is missing or can't be watched, or the watcher was
    ///   already started. Nothing is watched then.
    func start(watching directories: [String]) throws(DirectoryWatcherError) -> AsyncStream<DirectoryChange>

    /// Stops watching and finishes the stream. Safe to call more than once, and before ``start(watching:)``.
    func stop()
}

/// One change to a file or directory beneath a watched directory.
package struct DirectoryChange: Sendable, Hashable, CustomStringConvertible {
    /// What happened to the path.
    public enum Kind: Sendable, Hashable {
        /// The path appeared: created, or renamed into the directory.
        case created
        /// The file's contents or metadata changed.
        case modified
        /// The path went away: deleted, or renamed out of the directory.
        case removed
    }

    /// The full path of what changed: the watched directory joined with the entry's relative path.
    public var path: String
    /// What happened.
    public var kind: Kind
    /// The watched directory (as given to ``DirectoryWatcher/start(watching:)``) the path is beneath.
    public var directory: String

    public init(path: String, kind: Kind, directory: String) {
        self.path = path
        self.kind = kind
        self.directory = directory
    }

    /// The path relative to ``directory``, such as `echo.wasm` or `echo/plugin.toml`.
    public var relativePath: String {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    public var description: String { "\(kind) \(path)" }
}
