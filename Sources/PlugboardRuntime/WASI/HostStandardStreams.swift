#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host process's own stdin, stdout and stderr, which a guest granted ``PluginCapabilities/Stdio/inherit`` and
/// ``PluginCapabilities/StandardInput/inherit`` (a program run by `plugboard exec`) reads and writes directly: bytes
/// unchanged, no lines, no log.
///
/// A read waits for input in slices of ``waitSliceMilliseconds`` with the call's stop check between them, so a
/// deadline or a cancellation stops a program blocked on its stdin within one slice. A write to a pipe nobody drains
/// waits, as a native program's write does.
package enum HostStandardStreams {
    /// How long a read waits for input before checking whether its call was stopped.
    package static let waitSliceMilliseconds: Int32 = 20

    /// A host stream refused a read or write; `code` is the host `errno`.
    package struct Failure: Error, CustomStringConvertible {
        package let code: Int32
        package var description: String { String(cString: strerror(code)) }
    }

    /// Writes all of `bytes` to the host's stdout (or stderr), retrying short and interrupted writes.
    /// - Throws: ``Failure`` when the host stream refuses (e.g. `EPIPE` when its reader is gone).
    package static func writeOutput(_ bytes: UnsafeRawBufferPointer, toStandardError: Bool) throws {
        let fd: Int32 = toStandardError ? STDERR_FILENO : STDOUT_FILENO
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(code: errno)
            }
            offset += written
        }
    }

    /// Reads at most `buffer.count` bytes of the host's stdin: with `wait`, waits until some are available or it
    /// ends; without, takes only what is there now.
    /// - Returns: How many bytes were read, 0 at the end of stdin; `nil` (only without `wait`) when nothing is there yet.
    /// - Throws: ``Failure`` when stdin cannot be read (e.g. `EBADF` when the host has none), or what `stopCheck`
    ///   throws once the call is stopped.
    package static func readInput(
        into buffer: UnsafeMutableRawBufferPointer, wait: Bool, stopCheck: () throws -> Void
    ) throws -> Int? {
        guard buffer.count > 0 else { return 0 }
        while true {
            try stopCheck()
            var request = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, wait ? waitSliceMilliseconds : 0)
            if ready < 0 {
                if errno == EINTR { continue }
                throw Failure(code: errno)
            }
            if ready == 0 {
                if wait { continue }
                return nil
            }
            if request.revents & Int16(POLLNVAL) != 0 { throw Failure(code: EBADF) }
            let count = read(STDIN_FILENO, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw Failure(code: errno)
            }
            return count
        }
    }
}
