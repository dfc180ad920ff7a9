#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached POSIX thread with a stack of a chosen size: the one way Plugboard runs work that must stay off
/// Swift's cooperative pool and off Dispatch's queues (whose threads get the platform's default stack, 512 KiB on
/// Apple platforms, whatever `ulimit -s` says on Linux).
package enum DedicatedThread {
    /// Runs `body` on a new detached thread with a stack of `stackSize` bytes (reserved, not committed: pages are
    /// touched only as deep as the work goes), or the platform's default stack when `stackSize` is `nil`.
    /// - Throws: `errno` of `pthread_create` (as a POSIX error code) if the thread cannot be made; `body` does not run.
    package static func start(stackSize: Int?, _ body: @escaping @Sendable () -> Void) throws(DedicatedThreadError) {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        // Allocated rather than a local: Swift imports `pthread_attr_t`'s zero initializer from another module.
        let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
        pthread_attr_init(attributes)
        defer {
            pthread_attr_destroy(attributes)
            attributes.deallocate()
        }
        if let stackSize { pthread_attr_setstacksize(attributes, stackSize) }
        pthread_attr_setdetachstate(attributes, Int32(PTHREAD_CREATE_DETACHED))
        #if os(Linux)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(
            &thread, attributes,
            { argument in
                // Optional on Linux, non-optional on Darwin: bind it to one type for both.
                let pointer: UnsafeMutableRawPointer? = argument
                guard let pointer else { return nil }
                Unmanaged<ThreadBody>.fromOpaque(pointer).takeRetainedValue().body()
                return nil
            }, box)
        guard result == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            throw DedicatedThreadError(code: result)
        }
    }
}

/// `pthread_create` failed with this error code (`EAGAIN`: too many threads, or no memory for the stack).
package struct DedicatedThreadError: Error, CustomStringConvertible {
    package let code: Int32
    package var description: String { "could not start a thread (pthread_create error \(code))" }
}

/// The closure a new thread runs, boxed to pass through `pthread_create`'s context pointer.
private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
