import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// Which kind of ``DirectoryWatcher`` a ``PluginDirectoryMonitor`` uses.
public struct DirectoryWatcherBackend: Sendable {
    private enum Kind: Sendable {
        case inotify
        case polling(Duration)
    }

    private let kind: Kind

    /// The platform's own change notification where Plugboard has one (inotify on Linux), else polling every second.
    public static var automatic: DirectoryWatcherBackend {
        #if os(Linux)
        DirectoryWatcherBackend(kind: .inotify)
        #else
        DirectoryWatcherBackend(kind: .polling(.seconds(1)))
        #endif
    }

    #if os(Linux)
    /// Linux inotify: ``InotifyDirectoryWatcher``.
    public static var inotify: DirectoryWatcherBackend { DirectoryWatcherBackend(kind: .inotify) }
    #endif

    /// Snapshots compared every `interval`: ``PollingDirectoryWatcher``. For network filesystems, which inotify
    /// can't watch.
    public static func polling(interval: Duration = .seconds(1)) -> DirectoryWatcherBackend {
        DirectoryWatcherBackend(kind: .polling(interval))
    }

    /// A new, unstarted watcher of this kind.
    package func makeWatcher() -> any DirectoryWatcher {
        switch kind {
        case .inotify:
            #if os(Linux)
            return InotifyDirectoryWatcher()
            #else
            return PollingDirectoryWatcher()  // not reachable: `.inotify` exists only on Linux
            #endif
        case .polling(let interval):
            return PollingDirectoryWatcher(interval: interval)
        }
    }
}
