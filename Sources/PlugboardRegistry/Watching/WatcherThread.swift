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

/// A dedicated thread for a watcher's blocking loop, and a pipe that wakes the loop when the watcher stops.
///
/// The loop blocks in `poll()` on its own descriptors plus ``wakeFD``; ``requestStop()`` writes a byte to the
/// pipe, so the loop returns at once, with no timer and no busy loop. Watchers run on their own thread rather than
/// on Swift's cooperative pool because they block in system calls indefinitely.
///
/// The pipe is closed after the loop returns, under the same lock `requestStop()` writes under, so a stop never
/// writes to a closed (or reused) descriptor.
package final class WatcherThread: Sendable {
    private struct Pipe {
        var writeFD: Int32
        var isClosed = false
        var isStopRequested = false
    }

    private let wake: Mutex<Pipe>
    /// The read end of the pipe: readable once a stop was requested. Valid until the loop returns.
    package let wakeFD: Int32

    package init() throws(DirectoryWatcherError) {
        var fds: [Int32] = [-1, -1]
        // pipe2 and eventfd need _GNU_SOURCE, which Swift's Glibc module doesn't define; the flags are set after.
        guard pipe(&fds) == 0 else { throw .systemCallFailed("pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        wakeFD = fds[0]
        wake = Mutex(Pipe(writeFD: fds[1]))
    }

    /// Whether ``requestStop()`` was called.
    package var isStopRequested: Bool { wake.withLock { $0.isStopRequested } }

    /// Wakes the loop so it returns. Safe to call any number of times, from any thread, before or after the loop ends.
    package func requestStop() {
        wake.withLock { pipe in
            guard !pipe.isStopRequested else { return }
            pipe.isStopRequested = true
            guard !pipe.isClosed else { return }
            var byte: UInt8 = 1
            // The pipe is empty (this is the only write), so a one-byte write can't block or fail for space.
            _ = write(pipe.writeFD, &byte, 1)
        }
    }

    /// Runs `loop` on a new detached thread named `name`, then closes the pipe.
    ///
    /// `loop` must return soon after ``wakeFD`` becomes readable. If the thread can't be created, the pipe is closed
    /// and nothing runs.
    package func run(name: String, _ loop: @escaping @Sendable () -> Void) throws(DirectoryWatcherError) {
        do {
            try DedicatedThread.start(stackSize: nil) { [self] in
                Self.setCurrentThreadName(name)
                loop()
                closePipe()
            }
        } catch {
            closePipe()
            throw .systemCallFailed("pthread_create", errno: error.code)
        }
    }

    private func closePipe() {
        wake.withLock { pipe in
            guard !pipe.isClosed else { return }
            pipe.isClosed = true
            close(pipe.writeFD)
            close(wakeFD)
        }
    }

    private static func setCurrentThreadName(_ name: String) {
        #if canImport(Darwin)
        _ = pthread_setname_np(name)
        #endif
        // Linux's pthread_setname_np needs _GNU_SOURCE, which Swift's Glibc module doesn't define: threads keep
        // the process's name there.
    }

    deinit { closePipe() }
}
