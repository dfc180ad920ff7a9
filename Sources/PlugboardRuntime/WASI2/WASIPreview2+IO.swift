import PlugboardABI
import Synchronization

/// An output stream: the plugin's stdout or stderr (captured line by line into the log, discarded, or passed to the
/// host's own, as ``GuestStdio`` says), or a file opened for writing (from an offset on, or at its end).
final class WASIOutputStream: Sendable {
    enum Sink: Sendable {
        case standardStream(GuestStdio, isStandardError: Bool)
        case file(WASIDescriptor, append: Bool)
    }

    let sink: Sink
    /// Where the next write to a file goes (unless it appends).
    let position: Mutex<UInt64>

    init(_ sink: Sink, position: UInt64 = 0) {
        self.sink = sink
        self.position = Mutex(position)
    }
}

/// An input stream: the plugin's stdin (closed, so empty, unless ``PluginCapabilities/standardInput`` grants the
/// host's own), or a file opened for reading, from an offset on.
final class WASIInputStream: Sendable {
    enum Source: Sendable {
        case standardInput(readsHost: Bool)
        case file(WASIDescriptor)
    }

    let source: Source
    /// Where the next read of a file starts.
    let position: Mutex<UInt64>

    init(_ source: Source, position: UInt64 = 0) {
        self.source = source
        self.position = Mutex(position)
    }
}

/// Something to wait for; every one is ready at once (nothing blocks the guest's thread).
final class WASIPollable: Sendable {}

/// An error a stream operation reports, with what `to-debug-string` says and, for a file, its `error-code`.
final class WASIError: Sendable {
    let message: String
    /// The `wasi:filesystem` error code (`filesystem-error-code` answers it).
    let fileErrorCode: String?

    init(_ message: String, fileErrorCode: String? = nil) {
        self.message = message
        self.fileErrorCode = fileErrorCode
    }
}

/// `wasi:io`: errors, pollables, streams.
extension WASIPreview2 {
    var ioError: [String: Implementation] {
        ["[method]error.to-debug-string": { arguments, _ in [.string(try Self.host(arguments.first, as: WASIError.self, "the error").message)] }]
    }

    var ioPoll: [String: Implementation] {
        [
            "[method]pollable.ready": { _, _ in [.bool(true)] },
            "[method]pollable.block": { _, _ in [] },
            // Every pollable is ready: all indices, in order.
            "poll": { arguments, _ in
                guard case .list(let pollables)? = arguments.first else { throw PlugboardError.invalidArgument("poll without a list") }
                return [.list(pollables.indices.map { .u32(UInt32($0)) })]
            },
        ]
    }

    var ioStreams: [String: Implementation] {
        let write: Implementation = { [stopCheck, files] arguments, _ in
            let stream = try Self.host(arguments.first, as: WASIOutputStream.self, "the output stream")
            let bytes = try Self.bytes(arguments.dropFirst().first)
            guard bytes.count <= Self.maxWriteBytes else {
                // More than check-write allowed: the canonical way for a stream to refuse is a failed operation.
                return [Self.lastOperationFailed("a write of \(bytes.count) bytes, more than check-write allowed (\(Self.maxWriteBytes))")]
            }
            try stopCheck()
            switch stream.sink {
            case .standardStream(let stdio, let isStandardError):
                do {
                    try bytes.withUnsafeBytes { bytes in try stdio.write(bytes, toStandardError: isStandardError) }
                } catch {
                    return [Self.lastOperationFailed("writing to the host's \(isStandardError ? "stderr" : "stdout") failed: \(error)")]
                }
            case .file(let descriptor, let append):
                do {
                    try stream.position.withLock { position in
                        position = try descriptor.write(bytes, at: append ? nil : position, in: files)
                    }
                } catch let errno as WASIPreview1.Errno {
                    return [Self.lastOperationFailed("writing the file failed (\(Self.errorCode(errno)))", fileErrorCode: Self.errorCode(errno))]
                }
            }
            return [.ok(nil)]
        }
        let flushed: Implementation = { arguments, _ in
            _ = try Self.host(arguments.first, as: WASIOutputStream.self, "the output stream")
            return [.ok(nil)]
        }
        let subscribe: Implementation = { _, function in [try Self.own(function.results.first, WASIPollable())] }
        let stopCheck = self.stopCheck
        let files = self.files
        let read = { (wait: Bool, skips: Bool) -> Implementation in
            { arguments, _ in
                let stream = try Self.host(arguments.first, as: WASIInputStream.self, "the input stream")
                let length = Int(min(try Self.u64(arguments.dropFirst().first), UInt64(Self.maxReadBytes)))
                let readsHost: Bool
                switch stream.source {
                case .standardInput(let granted): readsHost = granted
                case .file(let descriptor):
                    do {
                        let bytes = try stream.position.withLock { position in
                            let bytes = try descriptor.read(length, at: position, in: files)
                            position += UInt64(bytes.count)
                            return bytes
                        }
                        if bytes.isEmpty && length > 0 { return [Self.closed] }  // its end
                        return [.ok(skips ? .u64(UInt64(bytes.count)) : .list(bytes.map(WITValue.u8)))]
                    } catch let errno as WASIPreview1.Errno {
                        return [Self.lastOperationFailed("reading the file failed (\(Self.errorCode(errno)))", fileErrorCode: Self.errorCode(errno))]
                    }
                }
                guard readsHost else { return [Self.closed] }
                var bytes = [UInt8](repeating: 0, count: length)
                let count: Int?
                do {
                    count = try bytes.withUnsafeMutableBytes { try HostStandardStreams.readInput(into: $0, wait: wait, stopCheck: stopCheck) }
                } catch let failure as HostStandardStreams.Failure {
                    return [Self.lastOperationFailed("reading the host's stdin failed: \(failure)")]
                }
                if count == 0 && length > 0 { return [Self.closed] }  // its end
                let taken = count ?? 0  // nil: nothing there yet (only without waiting)
                return [.ok(skips ? .u64(UInt64(taken)) : .list(bytes.prefix(taken).map(WITValue.u8)))]
            }
        }
        return [
            "[method]output-stream.check-write": { arguments, _ in
                _ = try Self.host(arguments.first, as: WASIOutputStream.self, "the output stream")
                return [.ok(.u64(UInt64(Self.maxWriteBytes)))]
            },
            "[method]output-stream.write": write,
            "[method]output-stream.blocking-write-and-flush": write,
            "[method]output-stream.flush": flushed,
            "[method]output-stream.blocking-flush": flushed,
            "[method]output-stream.subscribe": subscribe,
            "[method]input-stream.read": read(false, false),
            "[method]input-stream.blocking-read": read(true, false),
            "[method]input-stream.skip": read(false, true),
            "[method]input-stream.blocking-skip": read(true, true),
            "[method]input-stream.subscribe": subscribe,
        ]
    }
}
