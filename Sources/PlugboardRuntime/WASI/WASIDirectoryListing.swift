#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// A host directory's entries, for `fd_readdir` (WASI `dirent` records) and WASI 0.2's directory entry streams.
package enum WASIDirectoryListing {
    /// One entry of a directory.
    package struct Item {
        /// The cookie of the entry after it (entries are numbered from 0 in the order the host lists them).
        package var next: UInt64
        package var inode: UInt64
        /// The WASI preview 1 `filetype`.
        package var type: UInt8
        package var name: [UInt8]
    }

    /// Calls `body` with each entry from number `cookie` on while it returns `true`. The directory is re-read from
    /// its start on every call, through a fresh descriptor, so the guest's descriptor keeps no hidden position.
    package static func visit(_ directory: Int32, from cookie: UInt64, _ body: (Item) -> Bool) throws(WASIPreview1.Errno) {
        let fd = openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .current }
        guard let stream = fdopendir(fd) else {
            hostClose(fd)
            throw .current
        }
        defer { closedir(stream) }
        var index: UInt64 = 0
        while let entry = readdir(stream) {
            defer { index += 1 }
            guard index >= cookie else { continue }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            let item = Item(next: index + 1, inode: UInt64(truncatingIfNeeded: entry.pointee.d_ino), type: fileType(entry.pointee.d_type), name: name)
            guard body(item) else { return }
        }
    }

    /// `fd_readdir`'s buffer: the records from entry number `cookie` on, at most `limit` bytes; the last record is cut
    /// off when it does not fit (a full buffer tells the guest to ask again with a bigger one). Each record's `d_next`
    /// is the cookie of the entry after it.
    package static func entries(of directory: Int32, from cookie: UInt64, upTo limit: Int) throws(WASIPreview1.Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        guard limit > 0 else { return bytes }
        try visit(directory, from: cookie) { item in
            var record = [UInt8](repeating: 0, count: 24)
            store(item.next, into: &record, at: 0)
            store(item.inode, into: &record, at: 8)
            store(UInt32(item.name.count), into: &record, at: 16)
            record[20] = item.type
            record += item.name
            bytes += record.prefix(limit - bytes.count)
            return bytes.count < limit
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
