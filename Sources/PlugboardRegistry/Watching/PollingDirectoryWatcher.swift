import Synchronization

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

/// A portable ``DirectoryWatcher`` that compares snapshots of the directories every ``interval``.
///
/// A snapshot records each entry's inode, size and modification and change times, for the given directories and
/// their immediate subdirectories. It is the backend on platforms without inotify, and the one to choose on Linux
/// for network filesystems, where inotify misses changes made by other machines. Changes are seen up to one
/// interval late; a quick write-and-restore between two snapshots goes unnoticed.
///
/// The snapshots are taken on the watcher's own thread, which sleeps in `poll()` between them, so ``stop()``
/// finishes the stream at once.
package final class PollingDirectoryWatcher: DirectoryWatcher {
    private enum State {
        case idle
        case starting
        case running(WatcherThread, AsyncStream<DirectoryChange>.Continuation)
        case stopped
    }

    /// How long the watcher waits between snapshots. (Default: 1 second)
    public let interval: Duration
    private let state = Mutex<State>(.idle)

    /// Makes a watcher that takes a snapshot every `interval`; nothing is watched until ``start(watching:)``.
    public init(interval: Duration = .seconds(1)) {
        self.interval = interval
    }

    public func start(watching directories: [String]) throws(DirectoryWatcherError) -> AsyncStream<DirectoryChange> {
        try state.withLock { state throws(DirectoryWatcherError) in
            guard case .idle = state else { throw .alreadyStarted() }
            state = .starting
        }
        var seen: Set<String> = []
        let roots = directories.map(FileSystemEntries.normalized).filter { seen.insert($0).inserted }
        let thread: WatcherThread
        do throws(DirectoryWatcherError) {
            for root in roots {
                guard let status = FileSystemEntries.status(of: root) else {
                    throw .watchFailed(root, errno: errno, call: "stat")
                }
                guard status.isDirectory else { throw .watchFailed(root, errno: ENOTDIR, call: "stat") }
                guard FileSystemEntries.names(in: root) != nil else { throw .watchFailed(root, errno: errno, call: "opendir") }
            }
            thread = try WatcherThread()
        } catch {
            state.withLock { $0 = .idle }
            throw error
        }
        let initial = Snapshot.take(of: roots)

        let (stream, continuation) = AsyncStream.makeStream(of: DirectoryChange.self)
        continuation.onTermination = { _ in thread.requestStop() }
        let stoppedMeanwhile = state.withLock { state in
            guard case .starting = state else { return true }
            state = .running(thread, continuation)
            return false
        }
        if stoppedMeanwhile {
            thread.requestStop()
            continuation.finish()
            return stream
        }
        let timeout = Self.milliseconds(interval)
        do throws(DirectoryWatcherError) {
            try thread.run(name: "plugboard-poll") {
                var previous = initial
                var wake = pollfd(fd: thread.wakeFD, events: Int16(POLLIN), revents: 0)
                while !thread.isStopRequested {
                    wake.revents = 0
                    let ready = poll(&wake, 1, timeout)
                    if ready < 0 && errno != EINTR { break }
                    if ready > 0 { break }
                    let current = Snapshot.take(of: roots)
                    for change in current.changes(since: previous) { continuation.yield(change) }
                    previous = current
                }
                continuation.finish()
            }
        } catch {
            state.withLock { $0 = .stopped }
            continuation.finish()
            throw error
        }
        return stream
    }

    public func stop() {
        let running = state.withLock { state -> (WatcherThread, AsyncStream<DirectoryChange>.Continuation)? in
            defer { state = .stopped }
            guard case .running(let thread, let continuation) = state else { return nil }
            return (thread, continuation)
        }
        guard let (thread, continuation) = running else { return }
        thread.requestStop()
        continuation.finish()
    }

    /// `duration` in whole milliseconds for `poll()`, at least 1 and at most `Int32.max`.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return Int32.max }
        let milliseconds = total.partialValue + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(1, milliseconds))
    }

    /// The status of every entry beneath the roots, keyed by path.
    package struct Snapshot: Sendable {
        package var entries: [String: (root: String, status: FileSystemEntries.Status)] = [:]

        package static func take(of roots: [String]) -> Snapshot {
            var snapshot = Snapshot()
            for root in roots {
                for name in FileSystemEntries.names(in: root) ?? [] {
                    let path = FileSystemEntries.join(root, name)
                    guard let status = FileSystemEntries.status(of: path) else { continue }
                    snapshot.entries[path] = (root, status)
                    guard status.isDirectory else { continue }
                    for inner in FileSystemEntries.names(in: path) ?? [] {
                        let innerPath = FileSystemEntries.join(path, inner)
                        guard let innerStatus = FileSystemEntries.status(of: innerPath) else { continue }
                        snapshot.entries[innerPath] = (root, innerStatus)
                    }
                }
            }
            return snapshot
        }

        /// What differs from `previous`, sorted by path.
        package func changes(since previous: Snapshot) -> [DirectoryChange] {
            var changes: [DirectoryChange] = []
            for (path, entry) in entries {
                if let before = previous.entries[path] {
                    if before.status != entry.status && !(before.status.isDirectory && entry.status.isDirectory) {
                        changes.append(DirectoryChange(path: path, kind: .modified, directory: entry.root))
                    }
                } else {
                    changes.append(DirectoryChange(path: path, kind: .created, directory: entry.root))
                }
            }
            for (path, entry) in previous.entries where entries[path] == nil {
                changes.append(DirectoryChange(path: path, kind: .removed, directory: entry.root))
            }
            return changes.sorted { $0.path < $1.path }
        }
    }
}
