#if os(Linux)
import Glibc
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// A ``DirectoryWatcher`` backed by Linux inotify: changes are reported as the kernel sees them, without polling.
///
/// Each watcher owns one inotify descriptor and one thread that blocks in `poll()` on it; ``stop()`` wakes that
/// thread through a pipe, so the stream finishes at once. Watches are added for the given directories and their
/// immediate subdirectories, including subdirectories created later.
///
/// Each watch counts against `fs.inotify.max_user_watches` and each watcher against
/// `fs.inotify.max_user_instances`; reaching either is a ``DirectoryWatcherError`` with code
/// ``DirectoryWatcherError/Code/watchLimitReached``. inotify does not see changes made by other machines to a
/// network filesystem: use ``PollingDirectoryWatcher`` there.
package final class InotifyDirectoryWatcher: DirectoryWatcher {
    private enum State {
        case idle
        case starting
        case running(WatcherThread, AsyncStream<DirectoryChange>.Continuation)
        case stopped
    }

    // Sendable without `@unchecked`: all mutable state is in this Mutex. The inotify descriptor is owned by the
    // watcher's thread, which closes it when its loop returns.
    private let state = Mutex<State>(.idle)

    /// Makes a watcher; nothing is watched until ``start(watching:)``.
    public init() {}

    public func start(watching directories: [String]) throws(DirectoryWatcherError) -> AsyncStream<DirectoryChange> {
        try state.withLock { state throws(DirectoryWatcherError) in
            guard case .idle = state else { throw .alreadyStarted() }
            state = .starting
        }
        let roots = Self.uniqued(directories.map(FileSystemEntries.normalized))
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        var table: InotifyWatchTable
        let thread: WatcherThread
        do throws(DirectoryWatcherError) {
            guard fd >= 0 else { throw DirectoryWatcherError.watchFailed(roots.first ?? "", errno: errno, call: "inotify_init1") }
            table = InotifyWatchTable(fd: fd)
            for root in roots { try table.addRoot(root) }
            thread = try WatcherThread()
        } catch {
            if fd >= 0 { close(fd) }
            state.withLock { $0 = .idle }
            throw error
        }

        let (stream, continuation) = AsyncStream.makeStream(of: DirectoryChange.self)
        // The consumer going away (the task iterating the stream cancelled, or the stream dropped) stops the thread,
        // even if this watcher object is gone by then.
        continuation.onTermination = { _ in thread.requestStop() }
        let stoppedMeanwhile = state.withLock { state in
            guard case .starting = state else { return true }
            state = .running(thread, continuation)
            return false
        }
        if stoppedMeanwhile {
            close(fd)
            continuation.finish()
            return stream
        }
        let watchTable = table
        do throws(DirectoryWatcherError) {
            try thread.run(name: "plugboard-inotify") {
                Self.readEvents(fd: fd, table: watchTable, thread: thread, continuation: continuation)
                close(fd)
                continuation.finish()
            }
        } catch {
            close(fd)
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

    /// The watcher thread's loop: waits for events or a stop, and turns events into changes.
    private static func readEvents(
        fd: Int32, table: InotifyWatchTable, thread: WatcherThread, continuation: AsyncStream<DirectoryChange>.Continuation
    ) {
        var table = table
        // Room for at least 4096 events with 16-byte names; a read returns only whole events.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: MemoryLayout<inotify_event>.alignment)
        defer { buffer.deallocate() }
        var descriptors = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: thread.wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        while !thread.isStopRequested {
            for index in descriptors.indices { descriptors[index].revents = 0 }
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if descriptors[1].revents != 0 { return }
            let revents = Int32(descriptors[0].revents)
            if revents & Int32(POLLIN) != 0 {
                guard drain(fd: fd, buffer: buffer, table: &table, continuation: continuation) else { return }
            } else if revents & Int32(POLLERR | POLLHUP | POLLNVAL) != 0 {
                return
            }
        }
    }

    /// Reads every pending event; false if the descriptor failed and the loop should end.
    private static func drain(
        fd: Int32, buffer: UnsafeMutableRawBufferPointer, table: inout InotifyWatchTable,
        continuation: AsyncStream<DirectoryChange>.Continuation
    ) -> Bool {
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return true
                case EINTR: continue
                default: return false
                }
            }
            if count == 0 { return true }
            let (events, _) = InotifyEvent.parse(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            for event in events {
                for change in table.changes(for: event) { continuation.yield(change) }
            }
        }
    }

    private static func uniqued(_ paths: [String]) -> [String] {
        var seen: Set<String> = []
        return paths.filter { seen.insert($0).inserted }
    }
}
#endif
