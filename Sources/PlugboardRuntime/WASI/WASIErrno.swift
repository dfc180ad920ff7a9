#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

extension WASIPreview1 {
    /// WASI errno values used here (`wasi_snapshot_preview1`'s `errno` enum).
    package enum Errno: UInt32, Error {
        case success = 0
        case acces = 2
        case again = 6
        case badf = 8
        case busy = 10
        case dquot = 19
        case exist = 20
        case fault = 21
        case fbig = 22
        case ilseq = 25
        case intr = 27
        case inval = 28
        case io = 29
        case isdir = 31
        case loop = 32
        case mfile = 33
        case mlink = 34
        case nametoolong = 37
        case nfile = 41
        case noent = 44
        case nomem = 48
        case nospc = 51
        case nosys = 52
        case notdir = 54
        case notempty = 55
        case notsup = 58
        case nxio = 60
        case overflow = 61
        case perm = 63
        case rofs = 69
        case spipe = 70
        case txtbsy = 74
        case xdev = 75
        case notcapable = 76

        /// The WASI errno for a host `errno` (anything unexpected becomes `EIO`).
        package init(host code: Int32) {
            switch code {
            case EACCES: self = .acces
            case EAGAIN: self = .again
            case EBADF: self = .badf
            case EBUSY: self = .busy
            case EDQUOT: self = .dquot
            case EEXIST: self = .exist
            case EFBIG: self = .fbig
            case EILSEQ: self = .ilseq
            case EINTR: self = .intr
            case EINVAL: self = .inval
            case EISDIR: self = .isdir
            case ELOOP: self = .loop
            case EMFILE: self = .mfile
            case EMLINK: self = .mlink
            case ENAMETOOLONG: self = .nametoolong
            case ENFILE: self = .nfile
            case ENOENT: self = .noent
            case ENOMEM: self = .nomem
            case ENOSPC: self = .nospc
            case ENOTDIR: self = .notdir
            case ENOTEMPTY: self = .notempty
            case EOPNOTSUPP: self = .notsup
            case ENXIO: self = .nxio
            case EOVERFLOW: self = .overflow
            case EPERM: self = .perm
            case EROFS: self = .rofs
            case ESPIPE: self = .spipe
            case ETXTBSY: self = .txtbsy
            case EXDEV: self = .xdev
            default: self = .io
            }
        }

        /// The WASI errno for the host's current `errno`.
        package static var current: Errno { Errno(host: hostErrno()) }
    }
}

/// The host's `errno` (a function, so nothing named `errno` in a WASI type shadows it).
package func hostErrno() -> Int32 { errno }

/// Closes a host file descriptor, ignoring the result.
package func hostClose(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
