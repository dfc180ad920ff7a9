#if os(Linux)
import Glibc
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// What each inotify watch of an ``InotifyDirectoryWatcher`` is for, and how its events become changes.
///
/// Watched directories (roots) are watched with their immediate subdirectories, which are added as they appear
/// (and scanned, since files may land in them before the watch exists). For each subdirectory the table keeps the
/// names it has seen, so that a subdirectory renamed away reports its files as removed: inotify only reports the
/// rename of the directory itself. Owned by the watcher's thread after start; never shared.
package struct InotifyWatchTable: Sendable {
    /// What a watch descriptor watches.
    package struct Watch: Sendable {
        package var path: String
        /// The root the path is (or is beneath).
        package var root: String
        /// The subdirectory's entries seen so far; unused for roots.
        package var entries: Set<String> = []
        package var isRoot: Bool { path == root }
    }

    /// The events every watch asks for.
    package static let mask = UInt32(
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF)

    package let fd: Int32
    private(set) var watches: [Int32: Watch] = [:]
    private var subdirectories: [String: Int32] = [:]

    package init(fd: Int32) { self.fd = fd }

    /// Watches the directory `root` and its current subdirectories.
    package mutating func addRoot(_ root: String) throws(DirectoryWatcherError) {
        let wd = inotify_add_watch(fd, root, Self.mask | UInt32(IN_ONLYDIR))
        guard wd >= 0 else { throw .watchFailed(root, errno: errno, call: "inotify_add_watch") }
        // The same directory given twice (or through a symbolic link) has one watch: keep the first.
        guard watches[wd] == nil else { return }
        watches[wd] = Watch(path: root, root: root)
        for name in FileSystemEntries.names(in: root) ?? [] {
            let path = FileSystemEntries.join(root, name)
            guard FileSystemEntries.status(of: path)?.isDirectory == true else { continue }
            try addSubdirectory(path, root: root)
        }
    }

    /// Watches the subdirectory at `path` and records its entries; returns them, or nil if it is already watched or
    /// went away. Only running out of watches is an error.
    @discardableResult
    package mutating func addSubdirectory(_ path: String, root: String) throws(DirectoryWatcherError) -> [String]? {
        let wd = inotify_add_watch(fd, path, Self.mask | UInt32(IN_ONLYDIR))
        guard wd >= 0 else {
            let code = errno
            if code == ENOSPC || code == ENOMEM { throw .watchFailed(path, errno: code, call: "inotify_add_watch") }
            return nil  // removed, replaced by a file, or unreadable: nothing to watch
        }
        guard watches[wd] == nil else { return nil }
        let names = FileSystemEntries.names(in: path) ?? []
        watches[wd] = Watch(path: path, root: root, entries: Set(names))
        subdirectories[path] = wd
        return names
    }

    /// The changes one event means, updating the watches as directories come and go.
    package mutating func changes(for event: InotifyEvent) -> [DirectoryChange] {
        let mask = event.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { return rescan() }
        guard let watch = watches[event.watchDescriptor] else { return [] }
        if mask & UInt32(IN_IGNORED) != 0 {
            forget(event.watchDescriptor)
            return []
        }
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
            return directoryWentAway(event.watchDescriptor)
        }
        guard !event.name.isEmpty else { return [] }
        let path = FileSystemEntries.join(watch.path, event.name)
        let isDirectory = mask & UInt32(IN_ISDIR) != 0
        var changes: [DirectoryChange] = []
        if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
            if !watch.isRoot { watches[event.watchDescriptor]?.entries.insert(event.name) }
            changes.append(DirectoryChange(path: path, kind: .created, directory: watch.root))
            if isDirectory && watch.isRoot {
                // A watch added now misses what was written before it: report what is already there.
                // If the watch limit is reached, the subdirectory's later changes go unreported (there is no
                // error channel in the stream); the files already in it are still reported here.
                let names = (try? addSubdirectory(path, root: watch.root)) ?? FileSystemEntries.names(in: path) ?? []
                for name in names.sorted() {
                    changes.append(DirectoryChange(path: FileSystemEntries.join(path, name), kind: .created, directory: watch.root))
                }
            }
        }
        if mask & UInt32(IN_MODIFY | IN_CLOSE_WRITE) != 0 {
            changes.append(DirectoryChange(path: path, kind: .modified, directory: watch.root))
        }
        if mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 {
            if !watch.isRoot { watches[event.watchDescriptor]?.entries.remove(event.name) }
            if isDirectory && watch.isRoot, let subdirectory = subdirectories[path] {
                changes += directoryWentAway(subdirectory)
            }
            changes.append(DirectoryChange(path: path, kind: .removed, directory: watch.root))
        }
        return changes
    }

    /// After the event queue overflowed and events were lost: every entry is reported as modified (the debouncer
    /// settles each on what exists), and entries gone from a subdirectory as removed.
    package mutating func rescan() -> [DirectoryChange] {
        var changes: [DirectoryChange] = []
        for (_, root) in watches.filter({ $0.value.isRoot }).sorted(by: { $0.value.path < $1.value.path }) {
            for name in (FileSystemEntries.names(in: root.path) ?? []).sorted() {
                let path = FileSystemEntries.join(root.path, name)
                changes.append(DirectoryChange(path: path, kind: .modified, directory: root.root))
                if FileSystemEntries.status(of: path)?.isDirectory == true && subdirectories[path] == nil {
                    _ = try? addSubdirectory(path, root: root.root)
                }
            }
        }
        for (wd, subdirectory) in watches.filter({ !$0.value.isRoot }).sorted(by: { $0.value.path < $1.value.path }) {
            guard let names = FileSystemEntries.names(in: subdirectory.path) else {
                changes += directoryWentAway(wd)
                continue
            }
            for name in subdirectory.entries.subtracting(names).sorted() {
                changes.append(DirectoryChange(path: FileSystemEntries.join(subdirectory.path, name), kind: .removed, directory: subdirectory.root))
            }
            for name in names.sorted() {
                changes.append(DirectoryChange(path: FileSystemEntries.join(subdirectory.path, name), kind: .modified, directory: subdirectory.root))
            }
            watches[wd]?.entries = Set(names)
        }
        return changes
    }

    /// A watched directory was deleted or renamed: a subdirectory's known entries are removed; a root stops being
    /// watched, with its subdirectories, and reports nothing more.
    private mutating func directoryWentAway(_ wd: Int32) -> [DirectoryChange] {
        guard let watch = watches[wd] else { return [] }
        var gone = [wd]
        if watch.isRoot {
            gone += watches.filter { !$0.value.isRoot && $0.value.root == watch.root }.map(\.key)
        }
        var changes: [DirectoryChange] = []
        for wd in gone {
            guard let watch = watches[wd] else { continue }
            if !watch.isRoot {
                for name in watch.entries.sorted() {
                    changes.append(DirectoryChange(path: FileSystemEntries.join(watch.path, name), kind: .removed, directory: watch.root))
                }
            }
            // A renamed directory stays watched at its new place until removed; a deleted one's watch is already
            // gone, and this fails harmlessly with EINVAL.
            _ = inotify_rm_watch(fd, wd)
            forget(wd)
        }
        return changes
    }

    private mutating func forget(_ wd: Int32) {
        guard let watch = watches.removeValue(forKey: wd) else { return }
        if subdirectories[watch.path] == wd { subdirectories[watch.path] = nil }
    }
}
#endif
