import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Collects a plugin's stdout and stderr and hands them on line by line.
///
/// A line longer than ``maximumLineLength`` is cut there and marked `[cut at N bytes]`, as a `log-message` is, and
/// the rest of it, up to its newline, is dropped: a guest that never writes a newline cannot make the host buffer
/// without bound, nor turn one long line into many.
package final class GuestOutput: Sendable {
    /// The most bytes of one line (the plugin's ``PluginLimits/maxMessageBytes``).
    package let maximumLineLength: Int

    /// One stream's line so far, and whether the rest of a line that was cut is being dropped.
    private struct Stream {
        var line: [UInt8] = []
        var droppingRest = false
    }

    private let streams = Mutex<(stdout: Stream, stderr: Stream)>((Stream(), Stream()))
    private let sink: @Sendable (_ line: String, _ isStandardError: Bool) -> Void

    package init(maximumLineLength: Int = 64 << 10, sink: @escaping @Sendable (_ line: String, _ isStandardError: Bool) -> Void) {
        self.maximumLineLength = max(1, maximumLineLength)
        self.sink = sink
    }

    package func write(_ bytes: [UInt8], toStandardError: Bool) {
        bytes.withUnsafeBytes { write($0, toStandardError: toStandardError) }
    }

    /// Splits `bytes` into lines, a run at a time (no per-byte work beyond finding newlines).
    package func write(_ bytes: UnsafeRawBufferPointer, toStandardError: Bool) {
        var lines: [String] = []
        streams.withLock { streams in
            // Taken out of the state, so the line buffer has one owner and appending to it never copies it.
            var stream = Stream()
            if toStandardError { swap(&stream, &streams.stderr) } else { swap(&stream, &streams.stdout) }
            var rest = bytes[...]
            while !rest.isEmpty {
                let newline = rest.firstIndex(of: UInt8(ascii: "\n"))
                let text = rest[rest.startIndex..<(newline ?? rest.endIndex)]
                if !stream.droppingRest {
                    let room = maximumLineLength - stream.line.count
                    stream.line.append(contentsOf: text.prefix(room))
                    if text.count > room {
                        lines.append(String(decoding: stream.line, as: UTF8.self) + " [cut at \(maximumLineLength) bytes]")
                        stream.line.removeAll(keepingCapacity: true)
                        stream.droppingRest = true
                    }
                }
                guard let newline else { break }
                if stream.droppingRest {
                    stream.droppingRest = false
                } else {
                    lines.append(String(decoding: stream.line, as: UTF8.self))
                    stream.line.removeAll(keepingCapacity: true)
                }
                rest = rest[(newline + 1)...]
            }
            if toStandardError { streams.stderr = stream } else { streams.stdout = stream }
        }
        for line in lines { sink(line, toStandardError) }
    }

    /// Hands on whatever is left without a trailing newline.
    package func flush() {
        let (out, err) = streams.withLock { streams in
            defer { streams = (Stream(), Stream()) }
            return (streams.stdout.line, streams.stderr.line)
        }
        if !out.isEmpty { sink(String(decoding: out, as: UTF8.self), false) }
        if !err.isEmpty { sink(String(decoding: err, as: UTF8.self), true) }
    }
}
