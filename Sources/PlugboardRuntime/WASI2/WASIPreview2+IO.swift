import PlugboardABI

/// An output stream to the plugin's stdout or stderr (captured line by line into the log, or discarded).
final class WASIOutputStream: Sendable {
    let output: GuestOutput
    let isStandardError: Bool

    init(output: GuestOutput, isStandardError: Bool) {
        self.output = output
        self.isStandardError = isStandardError
    }
}

/// An input stream with nothing in it: stdin is empty unless granted (it never is yet).
final class WASIInputStream: Sendable {}

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
                return [.err(.variant(case: "last-operation-failed", payload: .resource(WITResource(
                    WITResourceType("error", interface: "wasi:io/error@0.2.0"),
                    value: WASIError("a write of \(bytes.count) bytes, more than check-write allowed (\(Self.maxWriteBytes))")))))]
            }
            try stopCheck()
            stream.output.write(bytes, toStandardError: stream.isStandardError)
            return [.ok(nil)]
        }
        let flushed: Implementation = { arguments, _ in
            _ = try Self.host(arguments.first, as: WASIOutputStream.self, "the output stream")
            return [.ok(nil)]
        }
        let subscribe: Implementation = { _, function in [try Self.own(function.results.first, WASIPollable())] }
        let closedInput: Implementation = { arguments, _ in
            _ = try Self.host(arguments.first, as: WASIInputStream.self, "the input stream")
            return [Self.closed]
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
            "[method]input-stream.read": closedInput,
            "[method]input-stream.blocking-read": closedInput,
            "[method]input-stream.skip": closedInput,
            "[method]input-stream.blocking-skip": closedInput,
            "[method]input-stream.subscribe": subscribe,
        ]
    }
}
