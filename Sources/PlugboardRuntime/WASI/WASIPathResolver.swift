#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// A guest path resolved beneath a directory descriptor without leaving it: the directory that holds the
/// last component (an open host descriptor) and that component's name.
///
/// The rules (lexical normalisation alone is not enough, so the walk is done on descriptors):
/// - absolute paths are `ENOTCAPABLE`; empty paths `ENOENT`; paths longer than ``maxLength`` bytes
///   `ENAMETOOLONG`; a NUL byte `EINVAL`;
/// - `.` is dropped and `..` removes the component before it; a `..` with nothing before it (it would climb
///   above the directory) is `ENOTCAPABLE`. No `..` is ever passed to the host;
/// - every directory on the way is opened with `openat(…, O_DIRECTORY | O_NOFOLLOW)` relative to the one
///   before, starting at the held descriptor, so a symbolic link, even one swapped in by a race, is never
///   followed (`ELOOP`); the last component is handed to an `*at` call that does not follow links either.
package final class WASIResolvedPath {
    /// The longest guest path accepted, in bytes.
    package static let maxLength = 4096

    /// The directory holding the last component.
    package let parent: Int32
    /// Whether ``parent`` was opened by the walk (and is closed by `deinit`) rather than being the base.
    private let ownsParent: Bool
    /// The last component, NUL-terminated: `.` when the path names the base directory itself.
    package let name: [CChar]
    /// The path ended in `/`: it must name a directory.
    package let mustBeDirectory: Bool

    package var isBase: Bool { name == [0x2E, 0] }

    /// Resolves `path` beneath the host directory `base` (which stays owned by the caller).
    package init(_ path: [UInt8], beneath base: Int32) throws(WASIPreview1.Errno) {
        guard !path.isEmpty else { throw .noent }
        guard path.count <= Self.maxLength else { throw .nametoolong }
        guard !path.contains(0) else { throw .inval }
        guard path[0] != UInt8(ascii: "/") else { throw .notcapable }

        var components: [ArraySlice<UInt8>] = []
        for component in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                guard !components.isEmpty else { throw .notcapable }
                components.removeLast()
                continue
            }
            guard component.count <= 255 else { throw .nametoolong }
            components.append(component)
        }
        mustBeDirectory = path.last == UInt8(ascii: "/")
        guard let last = components.popLast() else {
            parent = base
            ownsParent = false
            name = [0x2E, 0]
            return
        }
        var current = base
        for component in components {
            let name = Self.cString(component)
            let next = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let failure = next < 0 ? Self.lookupFailure(in: current, name) : nil
            if current != base { hostClose(current) }
            if let failure { throw failure }
            current = next
        }
        parent = current
        ownsParent = current != base
        name = Self.cString(last)
    }

    deinit {
        if ownsParent { hostClose(parent) }
    }

    /// Why opening `name` in `directory` as a directory failed: `ELOOP` for a symbolic link, else the host's errno.
    package static func lookupFailure(in directory: Int32, _ name: [CChar]) -> WASIPreview1.Errno {
        let code = hostErrno()
        if isSymbolicLink(in: directory, name) { return .loop }
        return WASIPreview1.Errno(host: code)
    }

    /// Whether `name` in `directory` is a symbolic link (not followed).
    package static func isSymbolicLink(in directory: Int32, _ name: [CChar]) -> Bool {
        var info = stat()
        return fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & 0o170000 == 0o120000
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> [CChar] {
        bytes.map { CChar(bitPattern: $0) } + [0]
    }
}
