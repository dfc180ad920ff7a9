import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Collects a plugin's stdout and stderr and hands them on line by line.
///
/// A line longer than ``maximumLineLength`` is cut there, so a guest that never writes a newline cannot make
/// the host buffer without bound.
package final class GuestOutput: Sendable {
    /// The most bytes of one line (the plugin's ``PluginLimits/maxMessageBytes``).
    package let maximumLineLength: Int

    private let buffers = Mutex<(stdout: [UInt8], stderr: [UInt8])>(([], []))
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
        buffers.withLock { buffers in
            var buffer = toStandardError ? buffers.stderr : buffers.stdout
            var rest = bytes[...]
            while !rest.isEmpty {
                let room = maximumLineLength - buffer.count
                let window = rest.prefix(max(room, 0))
                if let newline = window.firstIndex(of: UInt8(ascii: "\n")) {
                    buffer.append(contentsOf: rest[rest.startIndex..<newline])
                    lines.append(String(decoding: buffer, as: UTF8.self))
                    buffer.removeAll(keepingCapacity: true)
                    rest = rest[(newline + 1)...]
                } else if window.count == room {
                    // A full line without a newline: cut it there.
                    buffer.append(contentsOf: window)
                    lines.append(String(decoding: buffer, as: UTF8.self))
                    buffer.removeAll(keepingCapacity: true)
                    rest = rest[(rest.startIndex + room)...]
                    if rest.first == UInt8(ascii: "\n") { rest = rest.dropFirst() }  // the line ended exactly at the limit
                } else {
                    buffer.append(contentsOf: window)
                    rest = rest[rest.endIndex...]
                }
            }
            if toStandardError { buffers.stderr = buffer } else { buffers.stdout = buffer }
        }
        for line in lines { sink(line, toStandardError) }
    }

    /// Hands on whatever is left without a trailing newline.
    package func flush() {
        let (out, err) = buffers.withLock { buffers in
            defer { buffers = ([], []) }
            return buffers
        }
        if !out.isEmpty { sink(String(decoding: out, as: UTF8.self), false) }
        if !err.isEmpty { sink(String(decoding: err, as: UTF8.self), true) }
    }
}
