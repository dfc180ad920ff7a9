import Foundation
import Plugboard
import PlugboardTesting
import Testing

/// Files under WASI 0.2, through the C probe (Fixtures/wasi2/probe.c, `file:` commands) built as a preview 1 module and
/// as an adapter-wrapped component: under the same granted directories both see and do the same, on the host's real
/// files. The one difference is the errno of a path that climbs out of its preopen: WASI 0.2 has no `ENOTCAPABLE`, so
/// the component hears `not-permitted` (`EPERM`).
@Suite struct WASIPreview2FileTests {
    typealias Shape = WASIPreview2Tests.Shape

    /// A fresh host directory holding `given.txt` ("hello world"), removed after the test.
    final class Scratch {
        let root: URL
        let data: URL

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-files-\(UUID().uuidString)")
            data = root.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try Data("hello world".utf8).write(to: data.appendingPathComponent("given.txt"))
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        func contents(_ path: String) -> String? {
            (try? Data(contentsOf: data.appendingPathComponent(path))).map { String(decoding: $0, as: UTF8.self) }
        }

        func exists(_ path: String, under base: URL? = nil) -> Bool {
            FileManager.default.fileExists(atPath: (base ?? data).appendingPathComponent(path).path)
        }
    }

    static func probe(_ shape: Shape, _ scratch: Scratch, _ access: PreopenedDirectory.Access) async throws -> Plugin {
        try await WASIPreview2Tests.probe(
            shape, capabilities: PluginCapabilities(directories: [PreopenedDirectory(hostPath: scratch.data.path, guestPath: "/data", access: access)]))
    }

    /// Runs each `file:` command in order and expects its answer.
    static func expect(_ plugin: Plugin, _ steps: KeyValuePairs<String, String>, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for (command, answer) in steps {
            let got = try await WASIPreview2Tests.run(plugin, "file:" + command)
            #expect(got == answer, "\(command) answered \(got)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: Shape.allCases)
    func aReadWritePreopenReadsWritesListsRenamesAndRemoves(shape: Shape) async throws {
        let scratch = try Scratch()
        let plugin = try await Self.probe(shape, scratch, .readWrite)
        try await Self.expect(plugin, [
            "read:/data/given.txt": "ok hello world",
            "pread:/data/given.txt": "ok llo",
            "write:/data/new.txt:fresh": "ok 5",
            "append:/data/new.txt:+more": "ok 5",
            "seek-end:/data/new.txt": "ok 10",
            "stat:/data/new.txt": "ok file 10",
            "stat:/data": "ok dir 0",
        ])
        #expect(scratch.contents("new.txt") == "fresh+more")
        try await Self.expect(plugin, [
            "truncate:/data/new.txt:3": "ok",
            "read:/data/new.txt": "ok fre",
            "mkdir:/data/sub": "ok",
            "mkdir:/data/sub": "EEXIST",
            "rename:/data/new.txt:/data/sub/moved.txt": "ok",
            "ls:/data": "ok given.txt sub",
            "ls:/data/sub": "ok moved.txt",
        ])
        #expect(scratch.contents("sub/moved.txt") == "fre")
        try await Self.expect(plugin, [
            "rmdir:/data/sub": "ENOTEMPTY",
            "unlink:/data/sub/moved.txt": "ok",
            "rmdir:/data/sub": "ok",
            "read:/data/missing.txt": "ENOENT",
            "read:/data": "EBADF",
            "symlink:/data/link:given.txt": "EPERM",
            "ls:/data": "ok given.txt",
        ])
        #expect(!scratch.exists("sub"))
    }

    @Test(arguments: Shape.allCases)
    func aReadOnlyPreopenRefusesEveryChangeAndChangesNothing(shape: Shape) async throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(at: scratch.data.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let plugin = try await Self.probe(shape, scratch, .readOnly)
        try await Self.expect(plugin, [
            "read:/data/given.txt": "ok hello world",
            "stat:/data/given.txt": "ok file 11",
            "ls:/data": "ok given.txt sub",
            "write:/data/given.txt:changed": "EROFS",
            "append:/data/given.txt:more": "EROFS",
            "write:/data/new.txt:fresh": "EROFS",
            "truncate:/data/given.txt:0": "EROFS",
            "mkdir:/data/other": "EROFS",
            "rmdir:/data/sub": "EROFS",
            "unlink:/data/given.txt": "EROFS",
            "rename:/data/given.txt:/data/renamed.txt": "EROFS",
        ])
        #expect(scratch.contents("given.txt") == "hello world")
        #expect(!scratch.exists("new.txt") && !scratch.exists("other") && !scratch.exists("renamed.txt") && scratch.exists("sub"))
    }

    @Test(arguments: Shape.allCases)
    func noPathLeavesItsPreopen(shape: Shape) async throws {
        let scratch = try Scratch()
        try Data("secret".utf8).write(to: scratch.root.appendingPathComponent("outside.txt"))
        try FileManager.default.createSymbolicLink(atPath: scratch.data.appendingPathComponent("link").path, withDestinationPath: "../outside.txt")
        try FileManager.default.createSymbolicLink(atPath: scratch.data.appendingPathComponent("up").path, withDestinationPath: "..")
        let plugin = try await Self.probe(shape, scratch, .readWrite)
        let climbing = shape == .module ? "ENOTCAPABLE" : "EPERM"
        try await Self.expect(plugin, [
            "read:/data/../outside.txt": climbing,
            "read:/data/sub/../../outside.txt": climbing,
            "write:/data/../escaped.txt:x": climbing,
            "read:/data/link": "ELOOP",
            "read:/data/up/outside.txt": "ELOOP",
            "write:/data/link:overwritten": "ELOOP",
            "readlink:/data/link": "ok ../outside.txt",
            "stat:/data/link": "ok link 0",
            "read:/etc/passwd": "ENOTCAPABLE",
        ])
        #expect(try String(contentsOf: scratch.root.appendingPathComponent("outside.txt"), encoding: .utf8) == "secret")
        #expect(!scratch.exists("escaped.txt", under: scratch.root))
    }

    /// A plugin can hold only so many files open (128 per instance, preview 1 and WASI 0.2 alike); the next open
    /// fails, and once they are closed it opens again. Through the adapter the program gets 124 of them, and the
    /// refusal is WASI 0.2's `insufficient-memory` (it has no "too many open files"), which wasi-libc reads as ENOMEM.
    @Test(arguments: Shape.allCases)
    func openFilesAreBoundedAndClosingFreesThem(shape: Shape) async throws {
        let scratch = try Scratch()
        let plugin = try await Self.probe(shape, scratch, .readOnly)
        let held = try await WASIPreview2Tests.run(plugin, "file:hold:/data/given.txt")
        #expect(held == (shape == .module ? "128 then EMFILE" : "124 then ENOMEM"))
        #expect(try await WASIPreview2Tests.run(plugin, "file:hold:/data/given.txt") == held)
        try await Self.expect(plugin, ["read:/data/given.txt": "ok hello world"])
    }
}
