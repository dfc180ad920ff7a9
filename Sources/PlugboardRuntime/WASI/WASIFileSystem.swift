#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI

/// The file operations WASI preview 1 and WASI 0.2 share, on descriptors of a ``WASIFileTable`` and free of guest
/// memory: one policy for both.
///
/// Paths are resolved by ``WASIResolvedPath`` (never above the directory, never through a symbolic link). Beneath a
/// read-only preopen every modification fails with `EROFS` before any host call is made. Errors are WASI preview 1
/// errnos; WASI 0.2 maps them onto its `error-code` (``WASIPreview2``).
package enum WASIFileSystem {
    package typealias Errno = WASIPreview1.Errno
    package typealias Entry = WASIFileTable.Entry

    /// What an open asks for, in either preview's words.
    package struct OpenRequest: Sendable {
        package var create = false
        package var directory = false
        package var exclusive = false
        package var truncate = false
        /// Read access (files) or listing (directories).
        package var read = false
        /// Write access: writing, truncating or resizing.
        package var write = false
        package var append = false

        package init() {}

        /// Whether the open would let the guest change the file.
        var writes: Bool { write || append || truncate }
    }

    /// Opens `path` beneath `directory` and adds it to the table; returns its guest descriptor.
    ///
    /// Only directories and regular files are served (`ENOTSUP` for devices, FIFOs and sockets); at most
    /// ``WASIFileTable/maxOpenFiles`` may be open (`EMFILE`, checked before anything is created on the host).
    package static func open(
        _ path: [UInt8], beneath directory: Entry, _ request: OpenRequest, in state: inout WASIFileTable.State
    ) throws(Errno) -> UInt32 {
        let writes = request.writes
        if directory.readOnly, writes || request.create || request.exclusive { throw .rofs }
        try state.checkCapacity()
        let readable = request.read || !writes
        var flags = O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
        flags |= writes ? (readable ? O_RDWR : O_WRONLY) : O_RDONLY
        if request.create { flags |= O_CREAT }
        if request.exclusive { flags |= O_EXCL }
        if request.truncate { flags |= O_TRUNC }
        if request.append { flags |= O_APPEND }
        let resolved = try WASIResolvedPath(path, beneath: directory.hostFD)
        if request.directory || resolved.mustBeDirectory { flags |= O_DIRECTORY }
        let fd = openat(resolved.parent, resolved.name, flags, mode_t(0o666))
        guard fd >= 0 else {
            let code = hostErrno()
            throw WASIResolvedPath.isSymbolicLink(in: resolved.parent, resolved.name) ? .loop : Errno(host: code)
        }
        var info = stat()
        let type = fstat(fd, &info) == 0 ? info.st_mode & 0o170000 : 0
        guard type == 0o040000 || type == 0o100000 else {
            hostClose(fd)
            throw .notsup
        }
        return try state.insert(
            Entry(
                hostFD: fd, kind: type == 0o040000 ? .directory : .file, readOnly: directory.readOnly, readable: readable,
                writable: writes, append: request.append, preopen: nil))
    }

    /// The host `stat` of what `path` names beneath `directory`, without following a symbolic link.
    package static func status(_ path: [UInt8], beneath directory: Entry) throws(Errno) -> stat {
        let resolved = try WASIResolvedPath(path, beneath: directory.hostFD)
        var info = stat()
        guard fstatat(resolved.parent, resolved.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { throw .current }
        if resolved.mustBeDirectory, info.st_mode & 0o170000 != 0o040000 { throw .notdir }
        return info
    }

    /// The host `stat` of an open descriptor.
    package static func status(of entry: Entry) throws(Errno) -> stat {
        var info = stat()
        guard fstat(entry.hostFD, &info) == 0 else { throw .current }
        return info
    }

    package static func createDirectory(_ path: [UInt8], beneath directory: Entry) throws(Errno) {
        guard !directory.readOnly else { throw .rofs }
        let resolved = try WASIResolvedPath(path, beneath: directory.hostFD)
        guard !resolved.isBase else { throw .exist }
        guard mkdirat(resolved.parent, resolved.name, mode_t(0o777)) == 0 else { throw .current }
    }

    package static func removeDirectory(_ path: [UInt8], beneath directory: Entry) throws(Errno) {
        guard !directory.readOnly else { throw .rofs }
        let resolved = try WASIResolvedPath(path, beneath: directory.hostFD)
        guard !resolved.isBase else { throw .inval }
        guard unlinkat(resolved.parent, resolved.name, AT_REMOVEDIR) == 0 else { throw .current }
    }

    package static func unlinkFile(_ path: [UInt8], beneath directory: Entry) throws(Errno) {
        guard !directory.readOnly else { throw .rofs }
        let resolved = try WASIResolvedPath(path, beneath: directory.hostFD)
        guard !resolved.isBase else { throw .isdir }
        guard !resolved.mustBeDirectory else { throw .notdir }
        guard unlinkat(resolved.parent, resolved.name, 0) == 0 else { throw .current }
    }

    package static func rename(_ old: [UInt8], beneath from: Entry, to new: [UInt8], beneath to: Entry) throws(Errno) {
        guard !from.readOnly, !to.readOnly else { throw .rofs }
        let source = try WASIResolvedPath(old, beneath: from.hostFD)
        let target = try WASIResolvedPath(new, beneath: to.hostFD)
        guard !source.isBase, !target.isBase else { throw .inval }
        guard renameat(source.parent, source.name, target.parent, target.name) == 0 else { throw .current }
    }

    /// The target of the symbolic link `path` names (at most ``WASIResolvedPath/maxLength`` bytes).
    package static func readlink(_ path: [UInt8], beneath directory: Entry) throws(Errno) -> [UInt8] {
        let resolved = try WASIResolvedPath(path, beneath: directory.hostFD)
        var target = [CChar](repeating: 0, count: WASIResolvedPath.maxLength)
        let count = readlinkat(resolved.parent, resolved.name, &target, target.count)
        guard count >= 0 else { throw .current }
        return target.prefix(count).map { UInt8(bitPattern: $0) }
    }

    /// Truncates or extends a file opened for writing.
    package static func setSize(_ entry: Entry, to size: UInt64) throws(Errno) {
        let entry = try writableFile(entry)
        guard ftruncate(entry.hostFD, off_t(try fileOffset(size))) == 0 else { throw .current }
    }

    /// Flushes a file's data (and, unless `dataOnly`, its metadata) to storage.
    package static func sync(_ entry: Entry, dataOnly: Bool) throws(Errno) {
        #if os(Linux)
        let status = dataOnly ? fdatasync(entry.hostFD) : fsync(entry.hostFD)
        #else
        let status = fsync(entry.hostFD)
        #endif
        guard status == 0 else { throw .current }
    }

    /// A file the guest may read, or `EBADF` (for a directory too, as Wasmtime and the WASI adapter answer).
    package static func readableFile(_ entry: Entry) throws(Errno) -> Entry {
        guard entry.kind == .file else { throw .badf }
        guard entry.readable else { throw .badf }
        return entry
    }

    /// A file the guest may write: `EROFS` beneath a read-only preopen, else `EBADF` unless it is a file opened for
    /// writing.
    package static func writableFile(_ entry: Entry) throws(Errno) -> Entry {
        guard !entry.readOnly else { throw .rofs }
        guard entry.kind == .file else { throw .badf }
        guard entry.writable else { throw .badf }
        return entry
    }

    /// A guest file offset as the host's (`EINVAL` past `Int64.max`).
    package static func fileOffset(_ value: UInt64) throws(Errno) -> Int64 {
        guard value <= UInt64(Int64.max) else { throw .inval }
        return Int64(value)
    }

    /// Whether two open descriptors are the same file or directory on the host.
    package static func isSameObject(_ first: Entry, _ second: Entry) -> Bool {
        guard let a = try? status(of: first), let b = try? status(of: second) else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// The WASI preview 1 `filetype` for a host `st_mode`.
    package static func fileType(mode: UInt32) -> UInt8 {
        switch mode & 0o170000 {
        case 0o060000: 1  // block device
        case 0o020000: 2  // character device
        case 0o040000: 3  // directory
        case 0o100000: 4  // regular file
        case 0o140000: 6  // socket (stream)
        case 0o120000: 7  // symbolic link
        default: 0
        }
    }
}
