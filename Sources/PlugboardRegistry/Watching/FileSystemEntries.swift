#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// Directory listings and file status through POSIX calls, for the watchers (the core stays Foundation-free).
package enum FileSystemEntries {
    /// What a watcher compares to notice a change: a file replaced, resized or rewritten changes at least one field.
    package struct Status: Hashable, Sendable {
        package var isDirectory: Bool
        package var device: UInt64
        package var inode: UInt64
        package var size: Int64
        package var modified: Timestamp
        package var changed: Timestamp

        package struct Timestamp: Hashable, Sendable {
            package var seconds: Int
            package var nanoseconds: Int
        }
    }

    /// The names in the directory at `path`, without `.` and `..`; nil if it can't be opened (see `errno`).
    package static func names(in path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The status of `path`, following symbolic links; nil if it doesn't exist or can't be read (see `errno`).
    package static func status(of path: String) -> Status? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        let changed = info.st_ctimespec
        #else
        let modified = info.st_mtim
        let changed = info.st_ctim
        #endif
        return Status(
            isDirectory: (info.st_mode & S_IFMT) == S_IFDIR,
            device: UInt64(truncatingIfNeeded: info.st_dev),
            inode: UInt64(truncatingIfNeeded: info.st_ino),
            size: Int64(info.st_size),
            modified: .init(seconds: Int(modified.tv_sec), nanoseconds: Int(modified.tv_nsec)),
            changed: .init(seconds: Int(changed.tv_sec), nanoseconds: Int(changed.tv_nsec)))
    }

    /// Whether something exists at `path` (following symbolic links).
    package static func exists(_ path: String) -> Bool { status(of: path) != nil }

    /// `directory` and `name` joined with one slash.
    package static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// `path` without trailing slashes (but `/` stays `/`).
    package static func normalized(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
