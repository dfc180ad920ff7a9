import Foundation
import Plugboard
import Synchronization
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// Directory watching for hot reload, on real files in temporary directories with the real backends.
///
/// Waits are bounded (``WatcherTestSupport/timeout``) and never assert on speed. The monitor tests debounce with
/// ``WatcherTestSupport/quiet``, longer than the default, so that a scheduling delay on a loaded machine can't
/// split one burst of writes into two changes; the default's coalescing is the same code with a shorter wait.
@Suite struct DirectoryWatcherTests {
    /// The backends every behaviour is checked with.
    enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
        case inotify
        case polling

        var backend: DirectoryWatcherBackend {
            switch self {
            case .inotify:
                #if os(Linux)
                return .inotify
                #else
                return .automatic
                #endif
            case .polling: return .polling(interval: .milliseconds(50))
            }
        }

        var description: String { rawValue }
    }

    // MARK: each kind of change, for both backends

    @Test(arguments: Backend.allCases)
    func aNewFileIsOneCreatedChange(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        try directory.write("echo.wasm", bytes: 4096)

        try await session.expectOnly(DirectoryChange(path: directory.path("echo.wasm"), kind: .created, directory: directory.path))
    }

    @Test(arguments: Backend.allCases)
    func appendingToAFileIsOneModifiedChange(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        try directory.write("echo.wasm", bytes: 100)
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        try directory.append("echo.wasm", bytes: 100)

        try await session.expectOnly(DirectoryChange(path: directory.path("echo.wasm"), kind: .modified, directory: directory.path))
    }

    @Test(arguments: Backend.allCases)
    func aFileRenamedIntoTheDirectoryIsCreated(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let elsewhere = try WatcherTestDirectory()
        try elsewhere.write("staged.wasm", bytes: 100)
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        #expect(rename(elsewhere.path("staged.wasm"), directory.path("echo.wasm")) == 0)

        try await session.expectOnly(DirectoryChange(path: directory.path("echo.wasm"), kind: .created, directory: directory.path))
    }

    @Test(arguments: Backend.allCases)
    func aFileRenamedOutOfTheDirectoryIsRemoved(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let elsewhere = try WatcherTestDirectory()
        try directory.write("echo.wasm", bytes: 100)
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        #expect(rename(directory.path("echo.wasm"), elsewhere.path("echo.wasm")) == 0)

        try await session.expectOnly(DirectoryChange(path: directory.path("echo.wasm"), kind: .removed, directory: directory.path))
    }

    @Test(arguments: Backend.allCases)
    func aDeletedFileIsRemoved(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        try directory.write("echo.wasm", bytes: 100)
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        #expect(unlink(directory.path("echo.wasm")) == 0)

        try await session.expectOnly(DirectoryChange(path: directory.path("echo.wasm"), kind: .removed, directory: directory.path))
    }

    // MARK: debouncing

    @Test(arguments: Backend.allCases)
    func aFileWrittenInTwentyChunksIsOneChange(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        // Written from a thread of its own with blocking sleeps, so that the gaps between chunks stay ~10 ms even
        // when other suites keep Swift's cooperative pool busy.
        let path = directory.path("big.wasm")
        let written = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            DispatchQueue.global().async {
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard fd >= 0 else { return continuation.resume(returning: -1) }
                let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
                var total = 0
                for _ in 0..<20 {
                    total += write(fd, chunk, chunk.count)
                    usleep(10_000)
                }
                close(fd)
                continuation.resume(returning: total)
            }
        }
        #expect(written == 20 * 64 * 1024)

        try await session.expectOnly(DirectoryChange(path: directory.path("big.wasm"), kind: .created, directory: directory.path))
    }

    @Test func anEditorsWriteAndRenameOfAnExistingFileIsOneModifiedChange() async throws {
        let directory = try WatcherTestDirectory()
        try directory.write("echo.wasm", bytes: 100)
        let session = try WatchSession(directory.path, backend: .inotify)
        defer { session.stop() }

        // Vim without backupcopy: move the original aside, write the new file, delete the backup.
        #expect(rename(directory.path("echo.wasm"), directory.path("echo.wasm~")) == 0)
        try directory.write("echo.wasm", bytes: 200)
        #expect(unlink(directory.path("echo.wasm~")) == 0)

        try await session.expectOnly(DirectoryChange(path: directory.path("echo.wasm"), kind: .modified, directory: directory.path))
    }

    @Test func theDebouncerReportsABurstOnceWithTheFinalState() async throws {
        let directory = try WatcherTestDirectory()
        try directory.write("echo.wasm", bytes: 10)
        let (input, feed) = AsyncStream.makeStream(of: DirectoryChange.self)
        let log = ChangeLog(ChangeDebouncer(quiet: WatcherTestSupport.quiet).debounce(input))
        let written = directory.path("echo.wasm")
        let vanished = directory.path("gone.wasm")

        for _ in 0..<20 {
            feed.yield(DirectoryChange(path: written, kind: .modified, directory: directory.path))
            feed.yield(DirectoryChange(path: vanished, kind: .created, directory: directory.path))
        }

        try await log.waitFor(count: 2)
        try await Task.sleep(for: WatcherTestSupport.settle)
        #expect(
            Set(log.changes) == [
                DirectoryChange(path: written, kind: .modified, directory: directory.path),
                DirectoryChange(path: vanished, kind: .removed, directory: directory.path),
            ])
        #expect(log.changes.count == 2)
        feed.finish()
        try await log.waitForFinish()
    }

    @Test func theDefaultMonitorReportsAChange() async throws {
        let directory = try WatcherTestDirectory()
        let monitor = PluginDirectoryMonitor()
        let log = ChangeLog(try monitor.start(watching: [directory.path]))
        defer { monitor.stop() }

        try directory.write("echo.wat", bytes: 10)

        // Only that it arrives: the default 100 ms may split a burst in two on a loaded machine.
        try await log.waitFor([DirectoryChange(path: directory.path("echo.wat"), kind: .created, directory: directory.path)])
    }

    // MARK: which files count

    @Test(arguments: Backend.allCases)
    func editorTemporaryFilesAndDotfilesAreIgnored(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        for name in [".echo.wasm.swp", "echo.wasm~", "4913", ".#echo.wasm", "#echo.wasm#", ".hidden.wasm", "notes.txt", "echo.wasm.tmp"] {
            try directory.write(name, bytes: 10)
        }
        try directory.makeDirectory(".git")
        try directory.write(".git/plugin.wasm", bytes: 10)
        try directory.write("sentinel.wasm", bytes: 10)

        try await session.expectOnly(DirectoryChange(path: directory.path("sentinel.wasm"), kind: .created, directory: directory.path))
        #expect(session.log.changes.map(\.relativePath) == ["sentinel.wasm"])
    }

    @Test(arguments: Backend.allCases)
    func pluginFilesInASubdirectoryAreReported(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        try directory.makeDirectory("echo")
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        try directory.write("echo/plugin.toml", bytes: 10)
        try directory.write("echo/plugin.wasm", bytes: 10)
        try directory.write("echo/README.md", bytes: 10)

        try await session.expect([
            DirectoryChange(path: directory.path("echo/plugin.toml"), kind: .created, directory: directory.path),
            DirectoryChange(path: directory.path("echo/plugin.wasm"), kind: .created, directory: directory.path),
        ])
    }

    @Test(arguments: Backend.allCases)
    func aSubdirectoryCreatedAfterStartIsWatched(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        // Written straight after mkdir: possibly before inotify's watch on the new directory exists.
        try directory.makeDirectory("late")
        try directory.write("late/plugin.wasm", bytes: 10)
        let plugin = directory.path("late/plugin.wasm")
        try await session.expectOnly(DirectoryChange(path: plugin, kind: .created, directory: directory.path))

        // Now certainly after the watch was added.
        try directory.append("late/plugin.wasm", bytes: 10)
        try await session.expect([
            DirectoryChange(path: plugin, kind: .created, directory: directory.path),
            DirectoryChange(path: plugin, kind: .modified, directory: directory.path),
        ])
    }

    @Test(arguments: Backend.allCases)
    func aSubdirectoryRenamedAwayReportsItsPluginFilesRemoved(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let elsewhere = try WatcherTestDirectory()
        try directory.makeDirectory("echo")
        try directory.write("echo/plugin.toml", bytes: 10)
        try directory.write("echo/plugin.wasm", bytes: 10)
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        #expect(rename(directory.path("echo"), elsewhere.path("echo")) == 0)

        try await session.expect([
            DirectoryChange(path: directory.path("echo/plugin.toml"), kind: .removed, directory: directory.path),
            DirectoryChange(path: directory.path("echo/plugin.wasm"), kind: .removed, directory: directory.path),
        ])
    }

    @Test(arguments: Backend.allCases)
    func aSubdirectoryRenamedInPlaceMovesItsPluginFiles(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        try directory.makeDirectory("echo")
        try directory.write("echo/plugin.wasm", bytes: 10)
        let session = try WatchSession(directory.path, backend: backend)
        defer { session.stop() }

        #expect(rename(directory.path("echo"), directory.path("shout")) == 0)
        try await session.expect([
            DirectoryChange(path: directory.path("echo/plugin.wasm"), kind: .removed, directory: directory.path),
            DirectoryChange(path: directory.path("shout/plugin.wasm"), kind: .created, directory: directory.path),
        ])

        // The renamed directory is watched under its new name.
        try directory.append("shout/plugin.wasm", bytes: 10)
        try await session.log.waitFor([DirectoryChange(path: directory.path("shout/plugin.wasm"), kind: .modified, directory: directory.path)])
    }

    // MARK: lifecycle and errors

    @Test(arguments: Backend.allCases)
    func stopFinishesTheStream(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let watcher = backend.backend.makeWatcher()
        let log = ChangeLog(try watcher.start(watching: [directory.path]))

        watcher.stop()

        try await log.waitForFinish()
    }

    @Test(arguments: Backend.allCases)
    func stoppingTheMonitorFinishesItsStream(backend: Backend) async throws {
        let directory = try WatcherTestDirectory()
        let session = try WatchSession(directory.path, backend: backend)
        try directory.write("echo.wasm", bytes: 10)

        session.stop()

        try await session.log.waitForFinish()
    }

    @Test(arguments: Backend.allCases)
    func watchingAMissingDirectoryThrowsAnErrorNamingIt(backend: Backend) throws {
        let directory = try WatcherTestDirectory()
        let missing = directory.path("no-such-plugins")
        let monitor = PluginDirectoryMonitor(backend: backend.backend)

        let error = try #require(throws: DirectoryWatcherError.self) { try monitor.start(watching: [directory.path, missing]) }

        #expect(error.code == .directoryNotFound)
        #expect(error.path == missing)
        #expect(error.description.contains("'\(missing)'"))
        #expect(error.description.contains("does not exist"))
        #expect(error.description.contains("Create the directory"))
    }

    @Test(arguments: Backend.allCases)
    func watchingAFileThrowsNotADirectory(backend: Backend) throws {
        let directory = try WatcherTestDirectory()
        try directory.write("echo.wasm", bytes: 10)

        let error = try #require(throws: DirectoryWatcherError.self) {
            try backend.backend.makeWatcher().start(watching: [directory.path("echo.wasm")])
        }

        #expect(error.code == .notADirectory)
        #expect(error.description.contains(directory.path("echo.wasm")))
    }

    @Test func aWatcherStartsOnce() throws {
        let directory = try WatcherTestDirectory()
        let watcher = DirectoryWatcherBackend.automatic.makeWatcher()
        _ = try watcher.start(watching: [directory.path])
        defer { watcher.stop() }

        let error = try #require(throws: DirectoryWatcherError.self) { try watcher.start(watching: [directory.path]) }
        #expect(error.code == .alreadyStarted)
    }

    @Test func reachingTheInotifyWatchLimitNamesTheSysctl() {
        // ENOSPC from inotify_add_watch can't be provoked without lowering the limit for the whole machine.
        let error = DirectoryWatcherError.watchFailed("/srv/plugins", errno: ENOSPC, call: "inotify_add_watch")

        #expect(error.code == .watchLimitReached)
        #expect(error.description.contains("'/srv/plugins'"))
        #expect(error.description.contains("fs.inotify.max_user_watches"))
    }

    // MARK: pieces

    @Test func pluginFilesAreWasmWatAndManifestsOneLevelDeep() {
        for path in ["echo.wasm", "echo.wat", "echo/plugin.wasm", "echo/plugin.toml", "echo/other.wat"] {
            #expect(PluginFileFilter.isPluginFile(relativePath: path), "\(path)")
        }
        for path in [
            "plugin.toml.swp", "echo.wasm~", ".echo.wasm.swp", ".#echo.wasm", "#echo.wasm#", "4913", ".hidden.wasm",
            "echo/.plugin.wasm.swp", ".git/echo.wasm", "a/b/c.wasm", "echo/README.md", "echo", "echo/manifest.toml",
        ] {
            #expect(!PluginFileFilter.isPluginFile(relativePath: path), "\(path)")
        }
    }

    @Test func inotifyRecordsAreParsedWithinTheBytesRead() {
        var bytes: [UInt8] = []
        func append(wd: Int32, mask: UInt32, cookie: UInt32, name: String, padTo length: Int) {
            withUnsafeBytes(of: wd.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: mask.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: cookie.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: UInt32(length).littleEndian) { bytes += $0 }
            bytes += Array(name.utf8) + [UInt8](repeating: 0, count: length - name.utf8.count)
        }
        append(wd: 1, mask: 0x100, cookie: 0, name: "echo.wasm", padTo: 16)
        append(wd: 2, mask: 0x400, cookie: 7, name: "", padTo: 0)
        append(wd: 3, mask: 0x2, cookie: 0, name: "plugin.toml", padTo: 16)
        let whole = bytes.count

        let parsed = bytes.withUnsafeBytes { InotifyEvent.parse($0) }
        #expect(parsed.consumed == whole)
        #expect(
            parsed.events == [
                InotifyEvent(watchDescriptor: 1, mask: 0x100, name: "echo.wasm"),
                InotifyEvent(watchDescriptor: 2, mask: 0x400, cookie: 7, name: ""),
                InotifyEvent(watchDescriptor: 3, mask: 0x2, name: "plugin.toml"),
            ])

        // A record whose name runs past the end, and a header cut short, are not read.
        let cutName = bytes.dropLast(4).withUnsafeBytes { InotifyEvent.parse($0) }
        #expect(cutName.events.count == 2)
        #expect(cutName.consumed == 32 + 16)
        var lying = bytes
        lying[whole - 32 + 12] = 0xFF  // the last record claims a 255+ byte name
        #expect(lying.withUnsafeBytes { InotifyEvent.parse($0) }.events.count == 2)
        #expect(bytes.prefix(10).withUnsafeBytes { InotifyEvent.parse($0) }.events.isEmpty)
    }
}

// MARK: - support

enum WatcherTestSupport {
    /// How long a bounded wait waits before failing.
    ///
    /// Generous on purpose: the debouncer and the logs run on Swift's cooperative pool, which the full parallel run
    /// keeps busy with other suites' setup for several seconds on a 2-core CI machine (a 5 s bound failed there with
    /// nothing delivered yet). A correct watcher answers in well under a second when the machine is quiet.
    static let timeout = Duration.seconds(60)
    /// The debounce interval of the monitor tests (see the suite's comment).
    static let quiet = Duration.milliseconds(300)
    /// How long to keep listening after the expected changes, to catch any that should not come.
    static let settle = Duration.milliseconds(700)
}

/// A temporary directory, deleted with everything in it when the value goes away.
final class WatcherTestDirectory: Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path + "/plugboard-watch-XXXXXX"
        var template = Array(base.utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        path = String(cString: made)
    }

    func path(_ relative: String) -> String { path + "/" + relative }

    func write(_ relative: String, bytes: Int) throws {
        try Data(repeating: 0x61, count: bytes).write(to: URL(fileURLWithPath: path(relative)))
    }

    func append(_ relative: String, bytes: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path(relative)))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x62, count: bytes))
    }

    func makeDirectory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Everything a stream delivered so far, and whether it finished.
final class ChangeLog: Sendable {
    private let state = Mutex<(changes: [DirectoryChange], finished: Bool)>(([], false))

    init(_ stream: AsyncStream<DirectoryChange>) {
        Task { [self] in
            for await change in stream { state.withLock { $0.changes.append(change) } }
            state.withLock { $0.finished = true }
        }
    }

    var changes: [DirectoryChange] { state.withLock { $0.changes } }
    var isFinished: Bool { state.withLock { $0.finished } }

    func waitFor(count: Int) async throws {
        try await waitUntil("\(count) changes") { $0.changes.count >= count }
    }

    func waitFor(_ expected: Set<DirectoryChange>) async throws {
        try await waitUntil("\(expected.sorted { $0.path < $1.path })") { expected.isSubset(of: $0.changes) }
    }

    func waitForFinish() async throws {
        try await waitUntil("the stream to finish") { $0.finished }
    }

    private func waitUntil(_ what: String, _ condition: ((changes: [DirectoryChange], finished: Bool)) -> Bool) async throws {
        let deadline = ContinuousClock.now + WatcherTestSupport.timeout
        while !state.withLock({ condition($0) }) {
            guard ContinuousClock.now < deadline else {
                // One last look after the tasks that were queued behind this one have had a turn.
                try await Task.sleep(for: .milliseconds(200))
                if state.withLock({ condition($0) }) { return }
                throw WatchTimeout(description: "timed out after \(WatcherTestSupport.timeout) waiting for \(what); got \(changes)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

struct WatchTimeout: Error, CustomStringConvertible {
    var description: String
}

/// A started ``PluginDirectoryMonitor`` and the log of what it reported.
struct WatchSession {
    let monitor: PluginDirectoryMonitor
    let log: ChangeLog

    init(_ directory: String, backend: DirectoryWatcherTests.Backend) throws {
        monitor = PluginDirectoryMonitor(debounce: WatcherTestSupport.quiet, backend: backend.backend)
        log = ChangeLog(try monitor.start(watching: [directory]))
    }

    func stop() { monitor.stop() }

    /// Waits for `expected`, keeps listening a while, then checks that nothing else came.
    func expect(_ expected: [DirectoryChange], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await log.waitFor(Set(expected))
        try await Task.sleep(for: WatcherTestSupport.settle)
        #expect(
            log.changes.sorted { $0.description < $1.description } == expected.sorted { $0.description < $1.description },
            sourceLocation: sourceLocation)
    }

    func expectOnly(_ change: DirectoryChange, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await expect([change], sourceLocation: sourceLocation)
    }
}
