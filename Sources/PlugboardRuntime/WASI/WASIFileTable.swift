#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// The file descriptors one plugin instance has open: its preopened directories (fds 3, 4, …) and what it
/// opened beneath them with `path_open`, each backed by a host file descriptor the table owns.
///
/// The preopens' host directories are opened once, when the table is made (a missing directory is a load
/// error); ``reset()`` closes everything the guest opened and restores the preopens, for a fresh instance;
/// ``close()`` (and `deinit`) closes every host descriptor. At most ``maxOpenFiles`` descriptors besides the
/// preopens may be open at once (`EMFILE`). Every operation runs under the table's lock, so a host descriptor
/// is never used after it was closed.
package final class WASIFileTable: Sendable {
    /// How many files and directories a guest may have open at once, besides its preopens.
    package static let maxOpenFiles = 128

    /// One preopened directory.
    package struct Preopen: Sendable {
        package var guestPath: [UInt8]
        package var hostFD: Int32
        package var readOnly: Bool
    }

    /// One open guest descriptor.
    package struct Entry: Sendable {
        package enum Kind: Sendable { case directory, file }
        package var hostFD: Int32
        package var kind: Kind
        /// Beneath a read-only preopen: nothing may be modified through it.
        package var readOnly: Bool
        package var readable: Bool
        package var writable: Bool
        package var append: Bool
        /// The preopen this is, if it is one (its host descriptor belongs to the preopen, not the entry).
        package var preopen: Int?
        /// Which opening this is: a number no other entry of the table has had, so a WASI 0.2 handle to an entry
        /// closed since never reaches a later one given the same descriptor number.
        package var serial: UInt64 = 0
    }

    /// The guest's descriptors, under the lock.
    package struct State: Sendable {
        fileprivate(set) var preopens: [Preopen]
        fileprivate var entries: [UInt32: Entry] = [:]
        fileprivate var isClosed = false
        fileprivate var lastSerial: UInt64 = 0

        /// The entry for a guest descriptor, or `EBADF`.
        package func entry(_ fd: UInt32) throws(WASIPreview1.Errno) -> Entry {
            guard let entry = entries[fd] else { throw .badf }
            return entry
        }

        /// The entry for a guest descriptor if it is still the opening `serial` names, or `EBADF`.
        package func entry(_ fd: UInt32, serial: UInt64) throws(WASIPreview1.Errno) -> Entry {
            let entry = try entry(fd)
            guard entry.serial == serial else { throw .badf }
            return entry
        }

        /// A directory entry to resolve paths beneath: `EBADF` if there is none, `ENOTDIR` for a file.
        package func directory(_ fd: UInt32) throws(WASIPreview1.Errno) -> Entry {
            let entry = try entry(fd)
            guard entry.kind == .directory else { throw .notdir }
            return entry
        }

        /// The preopens' descriptors, in order, with their openings and the paths the guest knows them by.
        package var preopenDescriptors: [(fd: UInt32, serial: UInt64, guestPath: [UInt8])] {
            entries.compactMap { fd, entry in entry.preopen.map { (fd, entry.serial, preopens[$0].guestPath) } }.sorted { $0.fd < $1.fd }
        }

        /// Whether one more descriptor may be opened (checked before anything is created on the host).
        package func checkCapacity() throws(WASIPreview1.Errno) {
            guard !isClosed else { throw .badf }
            guard entries.values.count(where: { $0.preopen == nil }) < WASIFileTable.maxOpenFiles else { throw .mfile }
        }

        /// Adds an entry at the lowest free descriptor from 3 on.
        package mutating func insert(_ entry: Entry) throws(WASIPreview1.Errno) -> UInt32 {
            do {
                try checkCapacity()
            } catch {
                if entry.preopen == nil { hostClose(entry.hostFD) }
                throw error
            }
            var fd: UInt32 = 3
            while entries[fd] != nil { fd += 1 }
            lastSerial += 1
            var entry = entry
            entry.serial = lastSerial
            entries[fd] = entry
            return fd
        }

        /// Removes an entry, closing its host descriptor unless it is a preopen's.
        package mutating func remove(_ fd: UInt32) throws(WASIPreview1.Errno) {
            guard let entry = entries.removeValue(forKey: fd) else { throw .badf }
            if entry.preopen == nil { hostClose(entry.hostFD) }
        }

        /// Closes what the guest opened and puts the preopens back at 3, 4, ….
        fileprivate mutating func reset() {
            for entry in entries.values where entry.preopen == nil { hostClose(entry.hostFD) }
            entries = [:]
            guard !isClosed else { return }
            for (index, preopen) in preopens.enumerated() {
                lastSerial += 1
                entries[UInt32(3 + index)] = Entry(
                    hostFD: preopen.hostFD, kind: .directory, readOnly: preopen.readOnly, readable: true, writable: false, append: false,
                    preopen: index, serial: lastSerial)
            }
        }
    }

    private let state: Mutex<State>

    /// Opens each directory's host path.
    ///
    /// - Throws: `fileNotFound` naming the host and guest paths when a directory cannot be opened.
    package init(directories: [PreopenedDirectory]) throws(PlugboardError) {
        var preopens: [Preopen] = []
        for directory in directories {
            let fd = open(directory.hostPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else {
                let reason = String(cString: strerror(hostErrno()))
                for preopen in preopens { hostClose(preopen.hostFD) }
                throw .preopenUnavailable(directory, reason: reason)
            }
            preopens.append(Preopen(guestPath: Array(directory.guestPath.utf8), hostFD: fd, readOnly: directory.access == .readOnly))
        }
        var initial = State(preopens: preopens)
        initial.reset()
        state = Mutex(initial)
    }

    deinit { close() }

    /// Runs `body` with the descriptors locked.
    package func withState<R: Sendable>(_ body: (inout State) throws -> R) throws -> R {
        try state.withLock { state throws -> R in try body(&state) }
    }

    /// For a fresh instance: closes every descriptor the guest opened and restores the preopens.
    package func reset() {
        state.withLock { $0.reset() }
    }

    /// Closes every host descriptor, preopens included; later operations fail with `EBADF`.
    package func close() {
        state.withLock { state in
            state.isClosed = true
            state.reset()
            for preopen in state.preopens { hostClose(preopen.hostFD) }
            state.preopens = []
        }
    }

    /// Closes descriptor `fd` if it is still the opening `serial` names (a WASI 0.2 handle was dropped).
    package func close(_ fd: UInt32, serial: UInt64) {
        state.withLock { state in
            guard (try? state.entry(fd, serial: serial)) != nil else { return }
            try? state.remove(fd)
        }
    }

    /// How many guest descriptors are open, preopens included (for tests and diagnostics).
    package var openCount: Int { state.withLock { $0.entries.count } }
}
