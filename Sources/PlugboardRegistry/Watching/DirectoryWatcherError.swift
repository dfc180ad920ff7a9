#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// Why a directory could not be watched, and what to do about it.
///
/// Kept apart from ``PlugboardError`` because the watcher is self-contained; every message is built by a factory
/// at the end of this file.
public struct DirectoryWatcherError: Error, CustomStringConvertible, Sendable {
    /// A stable, machine-readable error kind. New kinds may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The directory does not exist.
        public static let directoryNotFound = Code("directory-not-found")
        /// The path exists but is not a directory.
        public static let notADirectory = Code("not-a-directory")
        /// The process may not read the directory.
        public static let permissionDenied = Code("permission-denied")
        /// The system's limit on inotify watches or instances is reached.
        public static let watchLimitReached = Code("watch-limit-reached")
        /// The watcher was started (or stopped) before; a watcher is started once.
        public static let alreadyStarted = Code("already-started")
        /// Another system call failed.
        public static let systemCallFailed = Code("system-call-failed")
    }

    public var code: Code
    /// The directory involved, if any.
    public var path: String?
    /// What happened.
    public var message: String
    /// What to do about it.
    public var hint: String?
    /// The `errno` the failing system call set, if one did.
    public var errorNumber: Int32?

    package init(_ code: Code, path: String?, _ message: String, hint: String?, errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.hint = hint
        self.errorNumber = errno
    }

    public var description: String {
        var text = message
        if let hint { text += ". \(hint)" }
        return text
    }
}

// MARK: messages

extension DirectoryWatcherError {
    /// The error for a system call on `path` that failed with `errno`, told in words for the errors a user can fix.
    package static func watchFailed(_ path: String, errno code: Int32, call: String) -> DirectoryWatcherError {
        let reason = errnoText(code)
        switch code {
        case ENOENT:
            return DirectoryWatcherError(
                .directoryNotFound, path: path, "cannot watch plugin directory '\(path)': it does not exist (\(reason))",
                hint: "Create the directory, or fix the path given to the watcher", errno: code)
        case ENOTDIR:
            return DirectoryWatcherError(
                .notADirectory, path: path, "cannot watch '\(path)': it is not a directory (\(reason))",
                hint: "Give the directory that holds the plugins, not a plugin file", errno: code)
        case EACCES, EPERM:
            return DirectoryWatcherError(
                .permissionDenied, path: path, "cannot watch plugin directory '\(path)': permission denied (\(reason))",
                hint: "Let this process read and search the directory (chmod/chown), or watch another one", errno: code)
        case ENOSPC:
            return DirectoryWatcherError(
                .watchLimitReached, path: path,
                "cannot watch plugin directory '\(path)': the system's limit on inotify watches is reached (\(reason))",
                hint: "Raise fs.inotify.max_user_watches (e.g. `sysctl fs.inotify.max_user_watches=524288`, "
                    + "kept in /etc/sysctl.d/), or use the polling backend", errno: code)
        case EMFILE where call == "inotify_init1":
            return DirectoryWatcherError(
                .watchLimitReached, path: path,
                "cannot start an inotify watcher for '\(path)': the per-user limit on inotify instances is reached (\(reason))",
                hint: "Raise fs.inotify.max_user_instances (e.g. `sysctl fs.inotify.max_user_instances=1024`), "
                    + "stop unused watchers, or use the polling backend", errno: code)
        default:
            return DirectoryWatcherError(
                .systemCallFailed, path: path, "cannot watch plugin directory '\(path)': \(call) failed (\(reason))",
                hint: "Check the path and the system's limits, or use the polling backend", errno: code)
        }
    }

    package static func alreadyStarted() -> DirectoryWatcherError {
        DirectoryWatcherError(
            .alreadyStarted, path: nil, "this directory watcher was already started (or stopped)", hint: "Make a new watcher to watch again")
    }

    package static func systemCallFailed(_ call: String, errno code: Int32) -> DirectoryWatcherError {
        DirectoryWatcherError(
            .systemCallFailed, path: nil, "cannot start a directory watcher: \(call) failed (\(errnoText(code)))",
            hint: "The process may be out of file descriptors or threads; check `ulimit -n` and `ulimit -u`", errno: code)
    }

    /// `strerror`'s text with the symbolic errno, e.g. "No such file or directory, errno 2".
    private static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: text)), errno \(code)"
    }
}
