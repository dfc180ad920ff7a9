#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// `fd_readdir`'s buffer: WASI `dirent` records (24-byte header, then the name) for a host directory.
package enum WASIDirectoryListing {
    /// The records from entry number `cookie` on, at most `limit` bytes; the last record is cut off when it does
    /// not fit (a full buffer tells the guest to ask again with a bigger one). Each record's `d_next` is the
    /// cookie of the entry after it. The directory is re-read from its start on every call, through a fresh
    /// descriptor, so the guest's descriptor keeps no hidden position.
    package static func entries(of directory: Int32, from cookie: UInt64, upTo limit: Int) throws(WASIPreview1.Errno) -> [UInt8] {
        let fd = openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .current }
        guard let stream = fdopendir(fd) else {
            hostClose(fd)
            throw .current
        }
        defer { closedir(stream) }
        var bytes: [UInt8] = []
        var index: UInt64 = 0
        while bytes.count < limit, let entry = readdir(stream) {
            defer { index += 1 }
            guard index >= cookie else { continue }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            var record = [UInt8](repeating: 0, count: 24)
            store(index + 1, into: &record, at: 0)
            store(UInt64(truncatingIfNeeded: entry.pointee.d_ino), into: &record, at: 8)
            store(UInt32(name.count), into: &record, at: 16)
            record[20] = fileType(entry.pointee.d_type)
            record += name
            bytes += record.prefix(limit - bytes.count)
        }
        return bytes
    }

    private static func store<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (i, byte) in raw.enumerated() { bytes[offset + i] = byte }
        }
    }

    /// The WASI `filetype` for a host `d_type`.
    private static func fileType(_ type: UInt8) -> UInt8 {
        switch Int32(type) {
        case Int32(DT_BLK): 1
        case Int32(DT_CHR): 2
        case Int32(DT_DIR): 3
        case Int32(DT_REG): 4
        case Int32(DT_SOCK): 6
        case Int32(DT_LNK): 7
        default: 0
        }
    }
}
