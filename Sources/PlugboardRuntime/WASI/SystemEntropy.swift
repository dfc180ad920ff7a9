#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// The operating system's CSPRNG, written straight into guest memory for `random_get`.
///
/// A byte at a time through `SystemRandomNumberGenerator` made a 31 MiB request take seconds of host time no
/// deadline could stop; the kernel fills hundreds of MiB a second, and the request is already bounded by the
/// guest's memory (itself under its quota). Filled in chunks of ``chunkBytes`` so no single system call is long.
package enum SystemEntropy {
    package static let chunkBytes = 1 << 20

    /// Fills `count` bytes at `pointer`; the range must have been checked against memory.
    /// `stopCheck` runs before each chunk, so a call stopped meanwhile ends within one chunk.
    package static func fill(_ memory: GuestMemory, at pointer: UInt32, count: Int, stopCheck: () throws -> Void = {}) throws {
        var offset = 0
        while offset < count {
            try stopCheck()
            let chunk = min(chunkBytes, count - offset)
            try memory.withUnsafeMutableBytes(offset: Int(pointer) + offset, count: chunk) { buffer in
                try fill(buffer)
            }
            offset += chunk
        }
    }

    /// Fills `bytes` (a host buffer: WASI 0.2's `get-random-bytes`), a chunk at a time like guest memory.
    package static func fill(_ bytes: inout [UInt8], stopCheck: () throws -> Void = {}) throws {
        try bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                try stopCheck()
                let chunk = min(chunkBytes, buffer.count - offset)
                try fill(UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + chunk)]))
                offset += chunk
            }
        }
    }

    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        #if canImport(Darwin)
        arc4random_buf(base, buffer.count)
        #else
        guard urandom >= 0 else { throw WASIPreview1.Errno.io }
        var done = 0
        while done < buffer.count {
            let got = read(urandom, base + done, buffer.count - done)
            if got < 0 {
                if errno == EINTR { continue }
                throw WASIPreview1.Errno.io
            }
            if got == 0 { throw WASIPreview1.Errno.io }
            done += got
        }
        #endif
    }

    #if !canImport(Darwin)
    /// `/dev/urandom`, opened once for the process (the kernel's CSPRNG on every Linux, unlike `getrandom`'s header).
    private static let urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    #endif
}
