#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import Synchronization

/// A WASI 0.2 `descriptor`: one opening in the instance's ``WASIFileTable`` (the table preview 1 uses, so both share
/// its bound, its rules and its cleanup). The handle names the descriptor number and the opening's serial, so a
/// handle whose file was closed never reaches a later file given the same number.
struct WASIDescriptor: Sendable {
    let fd: UInt32
    let serial: UInt64

    /// Runs `body` on this descriptor's entry under the table's lock.
    func withEntry<R: Sendable>(
        in files: WASIFileTable, _ body: (WASIFileTable.Entry, inout WASIFileTable.State) throws -> R
    ) throws -> R {
        try files.withState { state in try body(state.entry(fd, serial: serial), &state) }
    }

    /// At most `length` bytes of the file from `offset` (fewer at its end).
    func read(_ length: Int, at offset: UInt64, in files: WASIFileTable) throws -> [UInt8] {
        try withEntry(in: files) { entry, _ in
            let file = try WASIFileSystem.readableFile(entry)
            let start = try WASIFileSystem.fileOffset(offset)
            var bytes = [UInt8](repeating: 0, count: length)
            let count = bytes.withUnsafeMutableBytes { pread(file.hostFD, $0.baseAddress, $0.count, off_t(start)) }
            guard count >= 0 else { throw WASIPreview1.Errno.current }
            return Array(bytes.prefix(count))
        }
    }

    /// Writes all of `bytes` at `offset` (at the file's end when `nil`); returns the offset after them.
    func write(_ bytes: [UInt8], at offset: UInt64?, in files: WASIFileTable) throws -> UInt64 {
        try withEntry(in: files) { entry, _ in
            let file = try WASIFileSystem.writableFile(entry)
            var position = try offset.map(WASIFileSystem.fileOffset) ?? Int64(WASIFileSystem.status(of: file).st_size)
            var done = 0
            while done < bytes.count {
                let count = bytes[done...].withUnsafeBytes { pwrite(file.hostFD, $0.baseAddress, $0.count, off_t(position)) }
                guard count > 0 else { throw WASIPreview1.Errno.current }
                done += count
                position += Int64(count)
            }
            return UInt64(position)
        }
    }
}

/// A WASI 0.2 `directory-entry-stream`: the entries of a directory descriptor, read a batch at a time from where the
/// last batch ended (the listing's cookie), without `.` and `..`.
final class WASIDirectoryEntryStream: Sendable {
    /// How many entries one batch holds.
    static let batchSize = 64

    struct Entry: Sendable {
        /// The WASI preview 1 `filetype`.
        var type: UInt8
        var name: [UInt8]
    }

    private struct Position: Sendable {
        var cookie: UInt64 = 0
        var buffered: [Entry] = []
        var isAtEnd = false
    }

    let directory: WASIDescriptor
    private let position = Mutex(Position())

    init(directory: WASIDescriptor) { self.directory = directory }

    /// The next entry, or `nil` at the end.
    func next(in files: WASIFileTable) throws -> Entry? {
        try position.withLock { position throws -> Entry? in
            while position.buffered.isEmpty, !position.isAtEnd {
                let cookie = position.cookie
                let (batch, next, atEnd) = try directory.withEntry(in: files) { entry, _ throws -> ([Entry], UInt64, Bool) in
                    guard entry.kind == .directory else { throw WASIPreview1.Errno.notdir }
                    var batch: [Entry] = []
                    var next = cookie
                    var seen = 0
                    try WASIDirectoryListing.visit(entry.hostFD, from: cookie) { item in
                        seen += 1
                        next = item.next
                        if item.name != [0x2E], item.name != [0x2E, 0x2E] { batch.append(Entry(type: item.type, name: item.name)) }
                        return seen < Self.batchSize
                    }
                    return (batch, next, seen < Self.batchSize)
                }
                position.buffered = batch.reversed()
                position.cookie = next
                position.isAtEnd = atEnd
            }
            return position.buffered.popLast()
        }
    }
}
