#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI

/// `wasi:filesystem`: the granted directories as preopens, and descriptors beneath them, on the rules preview 1 uses
/// (``WASIFileSystem``): paths resolved by ``WASIResolvedPath`` (no `..` above the preopen, no absolute path, no
/// symbolic link followed), every modification beneath a read-only preopen refused with `read-only`, at most
/// ``WASIFileTable/maxOpenFiles`` open at once (`insufficient-memory`), reads of at most 64 KiB per call. Links and
/// symbolic links cannot be made (`not-permitted`); times cannot be set.
extension WASIPreview2 {
    var preopens: [String: Implementation] {
        [
            "get-directories": { [files] _, function in
                guard case .list(.tuple(let parts))? = function.results.first, case .own(let type)? = parts.first else {
                    throw PlugboardError.invalidArgument("get-directories declared without a list<tuple<descriptor, string>> result")
                }
                let preopens = try files.withState { $0.preopenDescriptors }
                return [.list(preopens.map { preopen in
                    .tuple([.resource(Self.descriptorResource(type, WASIDescriptor(fd: preopen.fd, serial: preopen.serial), closing: nil)),
                            .string(String(decoding: preopen.guestPath, as: UTF8.self))])
                })]
            },
        ]
    }

    var filesystemTypes: [String: Implementation] {
        let files = self.files
        /// The descriptor a method is called on (its first argument).
        func descriptor(_ arguments: [WITValue], _ index: Int = 0) throws -> WASIDescriptor {
            try Self.host(arguments.count > index ? arguments[index] : nil, as: WASIDescriptor.self, "the descriptor")
        }
        func path(_ value: WITValue?) throws -> [UInt8] {
            guard case .string(let path)? = value else { throw PlugboardError.invalidArgument("expected a path string") }
            return Array(path.utf8)
        }
        /// A method whose body works on the descriptor's entry; an errno becomes its `error-code`.
        func method(_ body: @escaping (_ arguments: [WITValue], _ function: WITFunction, _ entry: WASIFileTable.Entry, _ state: inout WASIFileTable.State) throws -> WITValue?) -> Implementation {
            { arguments, function in
                let descriptor = try descriptor(arguments)
                return try Self.fileResult { try descriptor.withEntry(in: files) { entry, state in try body(arguments, function, entry, &state) } }
            }
        }
        return [
            "[method]descriptor.read-via-stream": method { arguments, function, entry, _ in
                _ = try WASIFileSystem.readableFile(entry)
                let stream = WASIInputStream(.file(try descriptor(arguments)), position: try Self.u64(arguments.dropFirst().first))
                return try Self.ownOK(function, stream)
            },
            "[method]descriptor.write-via-stream": method { arguments, function, entry, _ in
                _ = try WASIFileSystem.writableFile(entry)
                let stream = WASIOutputStream(.file(try descriptor(arguments), append: false), position: try Self.u64(arguments.dropFirst().first))
                return try Self.ownOK(function, stream)
            },
            "[method]descriptor.append-via-stream": method { arguments, function, entry, _ in
                _ = try WASIFileSystem.writableFile(entry)
                return try Self.ownOK(function, WASIOutputStream(.file(try descriptor(arguments), append: true)))
            },
            "[method]descriptor.advise": method { _, _, _, _ in nil },
            "[method]descriptor.sync-data": method { _, _, entry, _ in
                try WASIFileSystem.sync(entry, dataOnly: true)
                return nil
            },
            "[method]descriptor.sync": method { _, _, entry, _ in
                try WASIFileSystem.sync(entry, dataOnly: false)
                return nil
            },
            "[method]descriptor.get-flags": method { _, _, entry, _ in
                var flags: Set<String> = []
                if entry.readable { flags.insert("read") }
                if entry.writable { flags.insert("write") }
                if entry.kind == .directory, !entry.readOnly { flags.insert("mutate-directory") }
                return .flags(flags)
            },
            "[method]descriptor.get-type": method { _, _, entry, _ in
                .enum(Self.descriptorType(try WASIFileSystem.status(of: entry)))
            },
            "[method]descriptor.set-size": method { arguments, _, entry, _ in
                try WASIFileSystem.setSize(entry, to: try Self.u64(arguments.dropFirst().first))
                return nil
            },
            "[method]descriptor.read": { arguments, _ in
                let descriptor = try descriptor(arguments)
                let requested = try Self.u64(arguments.dropFirst().first)
                let offset = try Self.u64(arguments.dropFirst(2).first)
                let length = Int(min(requested, UInt64(Self.maxReadBytes)))
                return try Self.fileResult {
                    let bytes = try descriptor.read(length, at: offset, in: files)
                    return .tuple([.list(bytes.map(WITValue.u8)), .bool(length > 0 && bytes.count < length)])
                }
            },
            "[method]descriptor.write": { arguments, _ in
                let descriptor = try descriptor(arguments)
                let bytes = try Self.bytes(arguments.dropFirst().first)
                let offset = try Self.u64(arguments.dropFirst(2).first)
                return try Self.fileResult { .u64(try descriptor.write(bytes, at: offset, in: files) - offset) }
            },
            "[method]descriptor.read-directory": method { arguments, function, entry, _ in
                guard entry.kind == .directory else { throw WASIPreview1.Errno.notdir }
                return try Self.ownOK(function, WASIDirectoryEntryStream(directory: try descriptor(arguments)))
            },
            "[method]descriptor.create-directory-at": method { arguments, _, entry, state in
                try WASIFileSystem.createDirectory(path(arguments.dropFirst().first), beneath: state.directory(of: entry))
                return nil
            },
            "[method]descriptor.stat": method { _, function, entry, _ in
                try Self.descriptorStat(WASIFileSystem.status(of: entry), function)
            },
            "[method]descriptor.stat-at": method { arguments, function, entry, state in
                try Self.descriptorStat(WASIFileSystem.status(path(arguments.dropFirst(2).first), beneath: state.directory(of: entry)), function)
            },
            "[method]descriptor.open-at": { arguments, function in
                let descriptor = try descriptor(arguments)
                let path = try path(arguments.dropFirst(2).first)
                guard case .flags(let openFlags)? = arguments.dropFirst(3).first, case .flags(let flags)? = arguments.dropFirst(4).first else {
                    throw PlugboardError.invalidArgument("open-at without its open-flags and descriptor-flags")
                }
                guard case .result(.own(let type)?, _)? = function.results.first else {
                    throw PlugboardError.invalidArgument("open-at declared without a result<descriptor, error-code> result")
                }
                var request = WASIFileSystem.OpenRequest()
                request.create = openFlags.contains("create")
                request.directory = openFlags.contains("directory")
                request.exclusive = openFlags.contains("exclusive")
                request.truncate = openFlags.contains("truncate")
                request.read = flags.contains("read")
                request.write = flags.contains("write")
                let mutates = flags.contains("mutate-directory")
                // The descriptor is made outside the table's lock: dropping it closes its entry under that lock.
                let opened = try Self.fileErrno {
                    try descriptor.withEntry(in: files) { entry, state in
                        let directory = try state.directory(of: entry)
                        if mutates, directory.readOnly { throw WASIPreview1.Errno.rofs }
                        let fd = try WASIFileSystem.open(path, beneath: directory, request, in: &state)
                        return WASIDescriptor(fd: fd, serial: try state.entry(fd).serial)
                    }
                }
                switch opened {
                case .success(let opened): return [.ok(.resource(Self.descriptorResource(type, opened, closing: files)))]
                case .failure(let errno): return [.err(.enum(Self.errorCode(errno)))]
                }
            },
            "[method]descriptor.readlink-at": method { arguments, _, entry, state in
                .string(String(decoding: try WASIFileSystem.readlink(path(arguments.dropFirst().first), beneath: state.directory(of: entry)), as: UTF8.self))
            },
            "[method]descriptor.remove-directory-at": method { arguments, _, entry, state in
                try WASIFileSystem.removeDirectory(path(arguments.dropFirst().first), beneath: state.directory(of: entry))
                return nil
            },
            "[method]descriptor.unlink-file-at": method { arguments, _, entry, state in
                try WASIFileSystem.unlinkFile(path(arguments.dropFirst().first), beneath: state.directory(of: entry))
                return nil
            },
            "[method]descriptor.rename-at": method { arguments, _, entry, state in
                let target = try descriptor(arguments, 2)
                let to = try state.directory(of: state.entry(target.fd, serial: target.serial))
                try WASIFileSystem.rename(path(arguments.dropFirst().first), beneath: state.directory(of: entry), to: path(arguments.dropFirst(3).first), beneath: to)
                return nil
            },
            "[method]descriptor.link-at": method { _, _, _, _ in throw WASIPreview1.Errno.perm },
            "[method]descriptor.symlink-at": method { _, _, _, _ in throw WASIPreview1.Errno.perm },
            "[method]descriptor.is-same-object": { arguments, _ in
                let (first, second) = (try descriptor(arguments), try descriptor(arguments, 1))
                let same = (try? files.withState { state in
                    WASIFileSystem.isSameObject(try state.entry(first.fd, serial: first.serial), try state.entry(second.fd, serial: second.serial))
                }) ?? false
                return [.bool(same)]
            },
            "[method]descriptor.metadata-hash": method { _, function, entry, _ in
                try Self.metadataHash(WASIFileSystem.status(of: entry), function)
            },
            "[method]descriptor.metadata-hash-at": method { arguments, function, entry, state in
                try Self.metadataHash(WASIFileSystem.status(path(arguments.dropFirst(2).first), beneath: state.directory(of: entry)), function)
            },
            "[method]directory-entry-stream.read-directory-entry": { arguments, function in
                let stream = try Self.host(arguments.first, as: WASIDirectoryEntryStream.self, "the directory entry stream")
                guard case .result(.option(let entryType)?, _)? = function.results.first else {
                    throw PlugboardError.invalidArgument("read-directory-entry declared without a result<option<directory-entry>, error-code> result")
                }
                return try Self.fileResult {
                    guard let entry = try stream.next(in: files) else { return .option(nil) }
                    return .option(try Self.record(entryType, [.enum(Self.descriptorType(fileType: entry.type)), .string(String(decoding: entry.name, as: UTF8.self))]))
                }
            },
            "filesystem-error-code": { arguments, _ in
                let error = try Self.host(arguments.first, as: WASIError.self, "the error")
                return [.option(error.fileErrorCode.map(WITValue.enum))]
            },
        ]
    }
}

/// Values of `wasi:filesystem`'s types.
extension WASIPreview2 {
    /// A descriptor handle: dropping it closes its opening in `files` (preopens, given `nil`, stay open).
    static func descriptorResource(_ type: WITResourceType, _ descriptor: WASIDescriptor, closing files: WASIFileTable?) -> WITResource {
        guard let files else { return WITResource(type, value: descriptor) }
        return WITResource(type, value: descriptor) { value in
            guard let descriptor = value as? WASIDescriptor else { return }
            files.close(descriptor.fd, serial: descriptor.serial)
        }
    }

    /// `ok(body())`, or `err(error-code)` for the errno it throws.
    static func fileResult(_ body: () throws -> WITValue?) throws -> [WITValue] {
        switch try fileErrno(body) {
        case .success(let value): [.ok(value)]
        case .failure(let errno): [.err(.enum(errorCode(errno)))]
        }
    }

    /// What `body` returns, or the errno it throws (any other error is rethrown).
    static func fileErrno<R>(_ body: () throws -> R) throws -> Result<R, WASIPreview1.Errno> {
        do {
            return .success(try body())
        } catch let errno as WASIPreview1.Errno {
            return .failure(errno)
        }
    }

    /// `ok(own<T>)` for a method whose result is `result<own<T>, error-code>`.
    static func ownOK(_ function: WITFunction, _ value: any Sendable) throws -> WITValue {
        guard case .result(let ok?, _)? = function.results.first else {
            throw PlugboardError.invalidArgument("'\(function.name)' declared without a result<own<T>, _> result")
        }
        return try own(ok, value)
    }

    /// A record of the declared `type`, its fields given in declaration order.
    static func record(_ type: WITType, _ values: [WITValue]) throws -> WITValue {
        guard case .record(_, let fields) = type, fields.count == values.count else {
            throw PlugboardError.invalidArgument("a WASI record declared with other fields than WASI's: \(type)")
        }
        return .record(zip(fields, values).map { WITValue.Field($0.name, $1) })
    }

    /// The record type a method's `result<record, error-code>` declares.
    private static func okRecord(_ function: WITFunction) throws -> WITType {
        guard case .result(let ok?, _)? = function.results.first else {
            throw PlugboardError.invalidArgument("'\(function.name)' declared without a result<record, error-code> result")
        }
        return ok
    }

    static func descriptorStat(_ info: stat, _ function: WITFunction) throws -> WITValue {
        #if os(Linux)
        let times = [info.st_atim, info.st_mtim, info.st_ctim]
        #else
        let times = [info.st_atimespec, info.st_mtimespec, info.st_ctimespec]
        #endif
        let datetimes = times.map { time -> WITValue in
            .option(.record([
                WITValue.Field("seconds", .u64(UInt64(truncatingIfNeeded: Int64(time.tv_sec)))),
                WITValue.Field("nanoseconds", .u32(UInt32(truncatingIfNeeded: time.tv_nsec))),
            ]))
        }
        return try record(okRecord(function), [
            .enum(descriptorType(info)), .u64(UInt64(truncatingIfNeeded: info.st_nlink)), .u64(UInt64(truncatingIfNeeded: info.st_size)),
        ] + datetimes)
    }

    static func metadataHash(_ info: stat, _ function: WITFunction) throws -> WITValue {
        try record(okRecord(function), [.u64(UInt64(truncatingIfNeeded: info.st_ino)), .u64(UInt64(truncatingIfNeeded: info.st_dev))])
    }

    static func descriptorType(_ info: stat) -> String {
        descriptorType(fileType: WASIFileSystem.fileType(mode: UInt32(info.st_mode)))
    }

    /// The `descriptor-type` for a WASI preview 1 `filetype` (FIFOs are `unknown` there).
    static func descriptorType(fileType: UInt8) -> String {
        switch fileType {
        case 1: "block-device"
        case 2: "character-device"
        case 3: "directory"
        case 4: "regular-file"
        case 5, 6: "socket"
        case 7: "symbolic-link"
        default: "unknown"
        }
    }

    /// The `error-code` for a WASI preview 1 errno (an escape, `ENOTCAPABLE`, is `not-permitted`).
    static func errorCode(_ errno: WASIPreview1.Errno) -> String {
        switch errno {
        case .success, .io, .fault, .nosys: errno == .nosys ? "unsupported" : "io"
        case .acces: "access"
        case .again: "would-block"
        case .badf: "bad-descriptor"
        case .busy: "busy"
        case .dquot: "quota"
        case .exist: "exist"
        case .fbig: "file-too-large"
        case .ilseq: "illegal-byte-sequence"
        case .intr: "interrupted"
        case .inval: "invalid"
        case .isdir: "is-directory"
        case .loop: "loop"
        case .mfile, .nfile, .nomem: "insufficient-memory"
        case .mlink: "too-many-links"
        case .nametoolong: "name-too-long"
        case .noent: "no-entry"
        case .nospc: "insufficient-space"
        case .notdir: "not-directory"
        case .notempty: "not-empty"
        case .notsup: "unsupported"
        case .nxio: "no-such-device"
        case .overflow: "overflow"
        case .perm, .notcapable: "not-permitted"
        case .rofs: "read-only"
        case .spipe: "invalid-seek"
        case .txtbsy: "text-file-busy"
        case .xdev: "cross-device"
        }
    }
}

extension WASIFileTable.State {
    /// `entry` as a directory to resolve paths beneath (`ENOTDIR` for a file).
    func directory(of entry: WASIFileTable.Entry) throws(WASIPreview1.Errno) -> WASIFileTable.Entry {
        guard entry.kind == .directory else { throw .notdir }
        return entry
    }
}
