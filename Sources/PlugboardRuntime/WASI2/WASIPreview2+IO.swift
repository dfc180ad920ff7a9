import PlugboardABI

/// An output stream to the plugin's stdout or stderr (captured line by line into the log, discarded, or passed to
/// the host's own, as ``GuestStdio`` says).
final class WASIOutputStream: Sendable {
    let stdio: GuestStdio
    let isStandardError: Bool

    init(stdio: GuestStdio, isStandardError: Bool) {
        self.stdio = stdio
        self.isStandardError = isStandardError
    }
}

/// The plugin's stdin: closed (empty) unless ``PluginCapabilities/standardInput`` grants the host's own.
final class WASIInputStream: Sendable {
    let readsHostStandardInput: Bool
    init(readsHostStandardInput: Bool) { self.readsHostStandardInput = readsHostStandardInput }
}

/// Something to wait for; every one is ready at once (nothing blocks the guest's thread).
final class WASIPollable: Sendable {}

/// An error a stream operation reports, with what `to-debug-string` says.
final class WASIError: Sendable {
    let message: String
    init(_ message: String) { self.message = message }
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
        let write: Implementation = { [stopCheck] arguments, _ in
            let stream = try Self.host(arguments.first, as: WASIOutputStream.self, "the output stream")
            let bytes = try Self.bytes(arguments.dropFirst().first)
            guard bytes.count <= Self.maxWriteBytes else {
                // More than check-write allowed: the canonical way for a stream to refuse is a failed operation.
                return [Self.lastOperationFailed("a write of \(bytes.count) bytes, more than check-write allowed (\(Self.maxWriteBytes))")]
            }
            try stopCheck()
            do {
                try bytes.withUnsafeBytes { bytes in try stream.stdio.write(bytes, toStandardError: stream.isStandardError) }
            } catch {
                return [Self.lastOperationFailed("writing to the host's \(stream.isStandardError ? "stderr" : "stdout") failed: \(error)")]
            }
            return [.ok(nil)]
        }
        let flushed: Implementation = { arguments, _ in
            _ = try Self.host(arguments.first, as: WASIOutputStream.self, "the output stream")
            return [.ok(nil)]
        }
        let subscribe: Implementation = { _, function in [try Self.own(function.results.first, WASIPollable())] }
        let stopCheck = self.stopCheck
        let read = { (wait: Bool, skips: Bool) -> Implementation in
            { arguments, _ in
                let stream = try Self.host(arguments.first, as: WASIInputStream.self, "the input stream")
                guard stream.readsHostStandardInput else { return [Self.closed] }
                let length = Int(min(try Self.u64(arguments.dropFirst().first), UInt64(Self.maxReadBytes)))
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
