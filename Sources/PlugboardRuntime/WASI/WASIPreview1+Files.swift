#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// The WASI file functions: stdio (fds 0–2, as ``GuestStdio`` and ``PluginCapabilities/StandardInput`` say) and the
/// preopened directories in ``WASIFileTable``.
///
/// Paths are resolved by ``WASIResolvedPath`` (never above the directory descriptor, never through a symbolic
/// link). Under a read-only preopen, every modification returns `EROFS` before any host call is made. Every
/// guest pointer is checked before anything happens on the host (so a bad result pointer cannot leave a file
/// created behind an `EFAULT`). `path_symlink` and `path_link` return `EPERM`.
extension WASIPreview1 {
    /// WASI `rights` bits used here.
    package enum Rights {
        package static let fdDatasync: UInt64 = 1 << 0
        package static let fdRead: UInt64 = 1 << 1
        package static let fdWrite: UInt64 = 1 << 6
        package static let fdAllocate: UInt64 = 1 << 8
        package static let fdReaddir: UInt64 = 1 << 14
        package static let fdFilestatSetSize: UInt64 = 1 << 22
        package static let all: UInt64 = (1 << 30) - 1
        /// Rights that let a descriptor change its file.
        package static let modifying = fdWrite | fdAllocate | fdFilestatSetSize
    }

    package enum OpenFlags {
        package static let creat: UInt32 = 1
        package static let directory: UInt32 = 2
        package static let excl: UInt32 = 4
        package static let trunc: UInt32 = 8
    }

    package static let appendFlag: UInt32 = 1

    package static func fileImplementations(
        files: WASIFileTable, stdio: GuestStdio, standardInput: PluginCapabilities.StandardInput,
        stopCheck: @escaping @Sendable () throws -> Void
    ) -> [String: (signature: CoreSignature, body: Body)] {
        let i32 = CoreType.i32
        let i64 = CoreType.i64
        func sig(_ parameters: [CoreType]) -> CoreSignature { CoreSignature(parameters: parameters, results: [i32]) }
        func with(_ caller: CanonicalBinding, _ body: (GuestMemory, inout WASIFileTable.State) throws -> Errno) throws -> CoreValue? {
            try errno {
                let memory = try memory(of: caller)
                return try files.withState { state in try body(memory, &state) }
            }
        }
        return [
            "fd_write": (sig([i32, i32, i32, i32]), { caller, args in
                let fd = args[0].u32
                guard fd > 2 else {
                    // stdio: outside the descriptor table's lock, since passing output to the host may wait.
                    return try errno {
                        let memory = try memory(of: caller)
                        try memory.checkRange(args[3].u32, count: 4, "nwritten")
                        guard fd != 0 else { return .badf }
                        let chunks = try iovecs(memory, pointer: args[1].u32, count: args[2].u32, maxBytes: maxBytesPerOutputWrite)
                        var written: UInt32 = 0
                        for (pointer, length) in chunks where length > 0 {
                            try stopCheck()
                            do {
                                try memory.withUnsafeBytes(offset: Int(pointer), count: Int(length)) { bytes in
                                    try stdio.write(bytes, toStandardError: fd == 2)
                                }
                            } catch let failure as HostStandardStreams.Failure {
                                if written > 0 { break }  // a short write; the next one reports the error
                                return Errno(host: failure.code)
                            }
                            written &+= length
                        }
                        try memory.store(written, at: Int(args[3].u32))
                        return .success
                    }
                }
                return try with(caller) { memory, state in
                    try memory.checkRange(args[3].u32, count: 4, "nwritten")
                    let entry = try WASIFileSystem.writableFile(state.entry(fd))
                    let count = try transfer(memory, iovecs(memory, pointer: args[1].u32, count: args[2].u32)) { buffer, _ in
                        write(entry.hostFD, buffer.baseAddress, buffer.count)
                    }
                    try memory.store(count, at: Int(args[3].u32))
                    return .success
                }
            }),
            "fd_pwrite": (sig([i32, i32, i32, i64, i32]), { caller, args in
                try with(caller) { memory, state in
                    try memory.checkRange(args[4].u32, count: 4, "nwritten")
                    guard args[0].u32 > 2 else { return .spipe }
                    let entry = try WASIFileSystem.writableFile(state.entry(args[0].u32))
                    let offset = try WASIFileSystem.fileOffset(args[3].u64)
                    let count = try transfer(memory, iovecs(memory, pointer: args[1].u32, count: args[2].u32)) { buffer, done in
                        pwrite(entry.hostFD, buffer.baseAddress, buffer.count, off_t(offset + Int64(done)))
                    }
                    try memory.store(count, at: Int(args[4].u32))
                    return .success
                }
            }),
            "fd_read": (sig([i32, i32, i32, i32]), { caller, args in
                let fd = args[0].u32
                guard fd > 2 else {
                    // stdio: outside the descriptor table's lock, since reading the host's stdin waits for input.
                    return try errno {
                        let memory = try memory(of: caller)
                        try memory.checkRange(args[3].u32, count: 4, "nread")
                        let chunks = try iovecs(memory, pointer: args[1].u32, count: args[2].u32)
                        guard fd == 0 else { return .badf }
                        var count = 0  // without the grant, stdin is empty
                        if standardInput == .inherit, let (pointer, length) = chunks.first(where: { $0.1 > 0 }) {
                            // One read into the first buffer: what is there once some input arrives, as a pipe gives it.
                            do {
                                count = try memory.withUnsafeMutableBytes(offset: Int(pointer), count: Int(length)) { buffer in
                                    try HostStandardStreams.readInput(into: buffer, wait: true, stopCheck: stopCheck) ?? 0
                                }
                            } catch let failure as HostStandardStreams.Failure {
                                return Errno(host: failure.code)
                            }
                        }
                        try memory.store(UInt32(count), at: Int(args[3].u32))
                        return .success
                    }
                }
                return try with(caller) { memory, state in
                    try memory.checkRange(args[3].u32, count: 4, "nread")
                    let chunks = try iovecs(memory, pointer: args[1].u32, count: args[2].u32)
                    let entry = try WASIFileSystem.readableFile(state.entry(fd))
                    let count = try transfer(memory, chunks, into: true) { buffer, _ in read(entry.hostFD, buffer.baseAddress, buffer.count) }
                    try memory.store(count, at: Int(args[3].u32))
                    return .success
                }
            }),
            "fd_pread": (sig([i32, i32, i32, i64, i32]), { caller, args in
                try with(caller) { memory, state in
                    try memory.checkRange(args[4].u32, count: 4, "nread")
                    let chunks = try iovecs(memory, pointer: args[1].u32, count: args[2].u32)
                    guard args[0].u32 > 2 else { return .spipe }
                    let entry = try WASIFileSystem.readableFile(state.entry(args[0].u32))
                    let offset = try WASIFileSystem.fileOffset(args[3].u64)
                    let count = try transfer(memory, chunks, into: true) { buffer, done in
                        pread(entry.hostFD, buffer.baseAddress, buffer.count, off_t(offset + Int64(done)))
                    }
                    try memory.store(count, at: Int(args[4].u32))
                    return .success
                }
            }),
            "fd_seek": (sig([i32, i64, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    try memory.checkRange(args[3].u32, count: 8, "the new offset")
                    guard args[0].u32 > 2 else { return .spipe }
                    let entry = try state.entry(args[0].u32)
                    guard entry.kind == .file else { return .isdir }
                    let whence: Int32
                    switch args[2].u32 {
                    case 0: whence = SEEK_SET
                    case 1: whence = SEEK_CUR
                    case 2: whence = SEEK_END
                    default: return .inval
                    }
                    let position = lseek(entry.hostFD, off_t(Int64(bitPattern: args[1].u64)), whence)
                    guard position >= 0 else { return .current }
                    try memory.store(UInt64(position), at: Int(args[3].u32))
                    return .success
                }
            }),
            "fd_tell": (sig([i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    try memory.checkRange(args[1].u32, count: 8, "the offset")
                    guard args[0].u32 > 2 else { return .spipe }
                    let entry = try state.entry(args[0].u32)
                    guard entry.kind == .file else { return .isdir }
                    let position = lseek(entry.hostFD, 0, SEEK_CUR)
                    guard position >= 0 else { return .current }
                    try memory.store(UInt64(position), at: Int(args[1].u32))
                    return .success
                }
            }),
            "fd_close": (sig([i32]), { caller, args in
                try with(caller) { _, state in
                    if args[0].u32 <= 2 { return .success }
                    try state.remove(args[0].u32)
                    return .success
                }
            }),
            "fd_fdstat_get": (sig([i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let fd = args[0].u32
                    let pointer = Int(args[1].u32)
                    try memory.checkRange(start: pointer, count: 24, "an fdstat")
                    let (type, flags, base, inheriting): (UInt8, UInt16, UInt64, UInt64)
                    if fd <= 2 {
                        (type, flags, base, inheriting) = (2, 0, fd == 0 ? Rights.fdRead : Rights.fdWrite, 0)  // character device
                    } else {
                        let entry = try state.entry(fd)
                        switch entry.kind {
                        case .directory: (type, flags, base, inheriting) = (3, 0, Rights.all, Rights.all)
                        case .file:
                            var rights = Rights.all & ~(Rights.fdRead | Rights.modifying | Rights.fdDatasync | Rights.fdReaddir)
                            if entry.readable { rights |= Rights.fdRead }
                            if entry.writable { rights |= Rights.modifying | Rights.fdDatasync }
                            (type, flags, base, inheriting) = (4, entry.append ? 1 : 0, rights, 0)
                        }
                    }
                    try memory.store(type, at: pointer)
                    try memory.store(UInt8(0), at: pointer + 1)
                    try memory.store(flags, at: pointer + 2)
                    try memory.store(UInt32(0), at: pointer + 4)
                    try memory.store(base, at: pointer + 8)
                    try memory.store(inheriting, at: pointer + 16)
                    return .success
                }
            }),
            "fd_fdstat_set_flags": (sig([i32, i32]), { caller, args in
                try with(caller) { _, state in
                    if args[0].u32 > 2 { _ = try state.entry(args[0].u32) }
                    return .notsup
                }
            }),
            "fd_filestat_get": (sig([i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let pointer = args[1].u32
                    try memory.checkRange(pointer, count: 64, "a filestat")
                    guard args[0].u32 > 2 else {
                        try memory.write([UInt8](repeating: 0, count: 64), at: pointer, "a filestat")
                        try memory.store(UInt8(2), at: Int(pointer) + 16)
                        return .success
                    }
                    try storeFilestat(WASIFileSystem.status(of: state.entry(args[0].u32)), memory, at: pointer)
                    return .success
                }
            }),
            "fd_filestat_set_size": (sig([i32, i64]), { caller, args in
                try with(caller) { _, state in
                    try WASIFileSystem.setSize(state.entry(args[0].u32), to: args[1].u64)
                    return .success
                }
            }),
            "fd_sync": (sig([i32]), { caller, args in
                try with(caller) { _, state in
                    guard args[0].u32 > 2 else { return .inval }
                    try WASIFileSystem.sync(state.entry(args[0].u32), dataOnly: false)
                    return .success
                }
            }),
            "fd_datasync": (sig([i32]), { caller, args in
                try with(caller) { _, state in
                    guard args[0].u32 > 2 else { return .inval }
                    try WASIFileSystem.sync(state.entry(args[0].u32), dataOnly: true)
                    return .success
                }
            }),
            "fd_prestat_get": (sig([i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    try memory.checkRange(args[1].u32, count: 8, "a prestat")
                    guard args[0].u32 > 2, let index = try state.entry(args[0].u32).preopen else { return .badf }
                    try memory.store(UInt32(0), at: Int(args[1].u32))  // tag 0: a directory
                    try memory.store(UInt32(state.preopens[index].guestPath.count), at: Int(args[1].u32) + 4)
                    return .success
                }
            }),
            "fd_prestat_dir_name": (sig([i32, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    try memory.checkRange(args[1].u32, count: Int(args[2].u32), "a preopen name buffer")
                    guard args[0].u32 > 2, let index = try state.entry(args[0].u32).preopen else { return .badf }
                    let name = state.preopens[index].guestPath
                    guard Int(args[2].u32) >= name.count else { return .nametoolong }
                    try memory.write(name, at: args[1].u32, "a preopen name buffer")
                    return .success
                }
            }),
            "fd_readdir": (sig([i32, i32, i32, i64, i32]), { caller, args in
                try with(caller) { memory, state in
                    let (buffer, length) = (args[1].u32, Int(args[2].u32))
                    try memory.checkRange(buffer, count: length, "a dirent buffer")
                    try memory.checkRange(args[4].u32, count: 4, "bufused")
                    guard args[0].u32 > 2 else { return .notdir }
                    let directory = try state.directory(args[0].u32)
                    let bytes = try WASIDirectoryListing.entries(of: directory.hostFD, from: args[3].u64, upTo: length)
                    try memory.write(bytes, at: buffer, "a dirent buffer")
                    try memory.store(UInt32(bytes.count), at: Int(args[4].u32))
                    return .success
                }
            }),
            "path_open": (sig([i32, i32, i32, i32, i32, i64, i64, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let (oflags, rights, fdflags) = (args[4].u32, args[5].u64, args[7].u32)
                    let path = try guestPath(memory, args[2], args[3])
                    try memory.checkRange(args[8].u32, count: 4, "the opened fd")
                    var request = WASIFileSystem.OpenRequest()
                    request.create = oflags & OpenFlags.creat != 0
                    request.directory = oflags & OpenFlags.directory != 0
                    request.exclusive = oflags & OpenFlags.excl != 0
                    request.truncate = oflags & OpenFlags.trunc != 0
                    request.read = rights & (Rights.fdRead | Rights.fdReaddir) != 0
                    request.write = rights & Rights.modifying != 0
                    request.append = fdflags & appendFlag != 0
                    let fd = try WASIFileSystem.open(path, beneath: state.directory(args[0].u32), request, in: &state)
                    try memory.store(fd, at: Int(args[8].u32))
                    return .success
                }
            }),
            "path_filestat_get": (sig([i32, i32, i32, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let path = try guestPath(memory, args[2], args[3])
                    try memory.checkRange(args[4].u32, count: 64, "a filestat")
                    try storeFilestat(WASIFileSystem.status(path, beneath: state.directory(args[0].u32)), memory, at: args[4].u32)
                    return .success
                }
            }),
            "path_create_directory": (sig([i32, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let path = try guestPath(memory, args[1], args[2])
                    try WASIFileSystem.createDirectory(path, beneath: state.directory(args[0].u32))
                    return .success
                }
            }),
            "path_remove_directory": (sig([i32, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let path = try guestPath(memory, args[1], args[2])
                    try WASIFileSystem.removeDirectory(path, beneath: state.directory(args[0].u32))
                    return .success
                }
            }),
            "path_unlink_file": (sig([i32, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let path = try guestPath(memory, args[1], args[2])
                    try WASIFileSystem.unlinkFile(path, beneath: state.directory(args[0].u32))
                    return .success
                }
            }),
            "path_rename": (sig([i32, i32, i32, i32, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let old = try guestPath(memory, args[1], args[2])
                    let new = try guestPath(memory, args[4], args[5])
                    try WASIFileSystem.rename(old, beneath: state.directory(args[0].u32), to: new, beneath: state.directory(args[3].u32))
                    return .success
                }
            }),
            "path_readlink": (sig([i32, i32, i32, i32, i32, i32]), { caller, args in
                try with(caller) { memory, state in
                    let path = try guestPath(memory, args[1], args[2])
                    let (buffer, length) = (args[3].u32, Int(args[4].u32))
                    try memory.checkRange(buffer, count: length, "a readlink buffer")
                    try memory.checkRange(args[5].u32, count: 4, "bufused")
                    let bytes = Array(try WASIFileSystem.readlink(path, beneath: state.directory(args[0].u32)).prefix(length))
                    try memory.write(bytes, at: buffer, "a readlink buffer")
                    try memory.store(UInt32(bytes.count), at: Int(args[5].u32))
                    return .success
                }
            }),
            "path_symlink": (sig([i32, i32, i32, i32, i32]), { _, _ in .i32(Errno.perm.rawValue) }),
            "path_link": (sig([i32, i32, i32, i32, i32, i32, i32]), { _, _ in .i32(Errno.perm.rawValue) }),
        ]
    }

    /// A guest path: at most ``WASIResolvedPath/maxLength`` bytes (`ENAMETOOLONG`), inside memory (`EFAULT`).
    private static func guestPath(_ memory: GuestMemory, _ pointer: CoreValue, _ length: CoreValue) throws -> [UInt8] {
        guard Int(length.u32) <= WASIResolvedPath.maxLength else { throw Errno.nametoolong }
        return try memory.bytes(at: pointer.u32, count: Int(length.u32), "a path")
    }

    /// Runs a host read or write over each iovec buffer in guest memory (already checked), stopping at a short
    /// transfer; returns the bytes moved. An error before any byte moved is the host's errno.
    private static func transfer(
        _ memory: GuestMemory, _ chunks: [(UInt32, UInt32)], into: Bool = false,
        _ operation: (UnsafeMutableRawBufferPointer, Int) -> Int
    ) throws -> UInt32 {
        var done = 0
        for (pointer, length) in chunks where length > 0 {
            let moved = memory.withUnsafeMutableBytes(offset: Int(pointer), count: Int(length)) { operation($0, done) }
            if moved < 0 {
                if done > 0 { break }
                throw Errno.current
            }
            done += moved
            if moved < Int(length) { break }
        }
        return UInt32(truncatingIfNeeded: done)
    }

    /// Writes a WASI `filestat` (64 bytes) for `info`.
    private static func storeFilestat(_ info: stat, _ memory: GuestMemory, at pointer: UInt32) throws {
        let base = Int(pointer)
        try memory.checkRange(pointer, count: 64, "a filestat")
        func nanoseconds(_ time: timespec) -> UInt64 {
            UInt64(truncatingIfNeeded: Int64(time.tv_sec)) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: Int64(time.tv_nsec))
        }
        try memory.store(UInt64(truncatingIfNeeded: info.st_dev), at: base)
        try memory.store(UInt64(truncatingIfNeeded: info.st_ino), at: base + 8)
        try memory.store(UInt64(WASIFileSystem.fileType(mode: UInt32(info.st_mode))), at: base + 16)
        try memory.store(UInt64(truncatingIfNeeded: info.st_nlink), at: base + 24)
        try memory.store(UInt64(truncatingIfNeeded: info.st_size), at: base + 32)
        #if os(Linux)
        let (accessed, modified, changed) = (info.st_atim, info.st_mtim, info.st_ctim)
        #else
        let (accessed, modified, changed) = (info.st_atimespec, info.st_mtimespec, info.st_ctimespec)
        #endif
        try memory.store(nanoseconds(accessed), at: base + 40)
        try memory.store(nanoseconds(modified), at: base + 48)
        try memory.store(nanoseconds(changed), at: base + 56)
    }
}

extension CoreValue {
    /// The value as an unsigned 64-bit integer (the engine has checked the signature).
    package var u64: UInt64 {
        switch self {
        case .i64(let v), .f64(let v): v
        case .i32(let v), .f32(let v): UInt64(v)
        }
    }
}
