import Foundation

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

/// Replaces files so that a crash at any moment leaves either the old contents or the new, never a mix: the new
/// bytes go to a temporary file in the same directory, are flushed to disk (`fsync`), renamed over the target, and
/// the directory entry is flushed too.
package enum AtomicFile {
    package struct Failure: Error, CustomStringConvertible {
        package var operation: String
        package var path: String
        package var errno: Int32
        package var description: String { "\(operation) '\(path)' failed: \(String(cString: strerror(errno)))" }
    }

    package static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let directory = parent(of: path)
        try makeDirectories(directory)
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(operation: "creating", path: temporary, errno: errno) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                posixWrite(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                let error = errno
                close(fd)
                unlink(temporary)
                throw Failure(operation: "writing", path: temporary, errno: error)
            }
            written += result
        }
        if fsync(fd) != 0 {
            let error = errno
            close(fd)
            unlink(temporary)
            throw Failure(operation: "flushing", path: temporary, errno: error)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let error = errno
            unlink(temporary)
            throw Failure(operation: "renaming into", path: path, errno: error)
        }
        syncDirectory(directory)
    }

    /// Reads a whole file; `nil` when it does not exist.
    package static func read(_ path: String) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Failure(operation: "opening", path: path, errno: errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "reading", path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Deletes what interrupted ``write(_:to:)``s of `path` left behind.
    package static func removeTemporaryFiles(of path: String) {
        let directory = parent(of: path)
        let prefix = String(path.split(separator: "/").last ?? "") + ".tmp-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            unlink(directory + "/" + entry)
        }
    }

    package static func makeDirectories(_ path: String) throws(Failure) {
        guard !path.isEmpty else { return }
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw Failure(operation: "creating directory", path: current, errno: errno)
            }
        }
    }

    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

// `write` and `read` are shadowed by the enum's own functions inside it.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
