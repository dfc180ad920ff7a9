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
        var lines: [String] = []
        buffers.withLock { buffers in
            var buffer = toStandardError ? buffers.stderr : buffers.stdout
            for byte in bytes {
                if byte == UInt8(ascii: "\n") || buffer.count >= maximumLineLength {
                    lines.append(String(decoding: buffer, as: UTF8.self))
                    buffer.removeAll(keepingCapacity: true)
                    if byte == UInt8(ascii: "\n") { continue }
                }
                buffer.append(byte)
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
