import Foundation
import Plugboard
import PlugboardTesting
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// Preopened directories (``PreopenedDirectory``): reads, writes under read-write, `EROFS` under read-only, no
/// escape through `..`, absolute paths or symbolic links, deny by default, runtime grants, the descriptor cap,
/// manifest `dirs`, and hostile pointers (`Fixtures/filesystem/fs-probe.c`, `Fixtures/hostile/wasi-bad-fs-ptrs.wat`).
@Suite struct FilesystemTests {
    /// wasi-libc errno values (WASI's).
    enum E {
        static let exist = "error 20"
        static let loop = "error 32"
        static let mfile = "error 33"
        static let perm = "error 63"
        static let rofs = "error 69"
        static let notcapable = "error 76"
    }

    /// A scratch tree: `data/` (the preopen: hello.txt, sub/inner.txt, empty/, link -> outside/secret.txt,
    /// linkdir -> outside) and `outside/secret.txt`.
    struct Sandbox {
        let root: URL
        var data: String { root.appendingPathComponent("data").path }
        var outside: String { root.appendingPathComponent("outside").path }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-fs-\(UUID().uuidString)")
            let fm = FileManager.default
            try fm.createDirectory(atPath: root.path + "/data/sub", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: root.path + "/data/empty", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: root.path + "/outside", withIntermediateDirectories: true)
            try "hello world".write(toFile: root.path + "/data/hello.txt", atomically: true, encoding: .utf8)
            try "inner".write(toFile: root.path + "/data/sub/inner.txt", atomically: true, encoding: .utf8)
            try "secret".write(toFile: root.path + "/outside/secret.txt", atomically: true, encoding: .utf8)
            try fm.createSymbolicLink(atPath: root.path + "/data/link", withDestinationPath: root.path + "/outside/secret.txt")
            try fm.createSymbolicLink(atPath: root.path + "/data/linkdir", withDestinationPath: root.path + "/outside")
        }

        func read(_ relative: String) -> String? { try? String(contentsOfFile: root.path + "/" + relative, encoding: .utf8) }

        /// Every path under the root with its contents (files) or kind, to compare before and after.
        func snapshot() throws -> [String: String] {
            var result: [String: String] = [:]
            let fm = FileManager.default
            for path in try fm.subpathsOfDirectory(atPath: root.path) {
                let full = root.path + "/" + path
                let attributes = try fm.attributesOfItem(atPath: full)
                switch attributes[.type] as? FileAttributeType {
                case .typeSymbolicLink?: result[path] = "link " + (try fm.destinationOfSymbolicLink(atPath: full))
                case .typeDirectory?: result[path] = "dir"
                default: result[path] = try String(contentsOfFile: full, encoding: .utf8)
                }
            }
            return result
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    static func probePath() async throws -> String { try await FSProbeGuest.path(repositoryRoot: Repository.root) }

    func load(
        _ host: PluginHost, _ sandbox: Sandbox, _ access: PreopenedDirectory.Access?, name: String = "fs-probe"
    ) async throws -> Plugin {
        let directories = access.map { [PreopenedDirectory(hostPath: sandbox.data, guestPath: "/data", access: $0)] } ?? []
        return try await host.load(
            path: try await Self.probePath(), options: .init(name: name, capabilities: PluginCapabilities(directories: directories)))
    }

    func run(_ plugin: Plugin, _ op: String, _ path: String = "", _ path2: String = "", data: String = "") async throws -> String {
        try await plugin.process(ProcessRequest(input: "", options: [("op", op), ("path", path), ("path2", path2), ("data", data)])).output
    }

    @Test(arguments: [PreopenedDirectory.Access.readOnly, .readWrite])
    func readingWorks(access: PreopenedDirectory.Access) async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plugin = try await load(PluginHost(), sandbox, access)
        #expect(try await run(plugin, "read", "/data/hello.txt") == "hello world")
        #expect(try await run(plugin, "read", "/data/sub/inner.txt") == "inner")
        #expect(try await run(plugin, "read", "/data/sub/../hello.txt") == "hello world")
        #expect(try await run(plugin, "list", "/data") == "empty,hello.txt,link,linkdir,sub")
        #expect(try await run(plugin, "list", "/data/sub") == "inner.txt")
        #expect(try await run(plugin, "stat", "/data/hello.txt") == "file 11")
        #expect(try await run(plugin, "stat", "/data/sub") == "dir")
        #expect(try await run(plugin, "stat", "/data/link") == "link")
        #expect(try await run(plugin, "seekread", "/data/hello.txt") == "11 llo world ell")
        #expect(try await run(plugin, "read", "/data/missing.txt") == "error 44")
    }

    @Test func everyModificationUnderAReadOnlyDirectoryFailsWithEROFSAndChangesNothing() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plugin = try await load(PluginHost(), sandbox, .readOnly)
        let before = try sandbox.snapshot()
        let attempts: [(String, String, String)] = [
            ("write", "/data/hello.txt", ""), ("write", "/data/new.txt", ""), ("append", "/data/hello.txt", ""),
            ("create", "/data/new.txt", ""), ("openrw", "/data/hello.txt", ""), ("truncate", "/data/hello.txt", ""),
            ("mkdir", "/data/newdir", ""), ("mkdir", "/data/sub/newdir", ""), ("rmdir", "/data/empty", ""),
            ("unlink", "/data/hello.txt", ""), ("unlink", "/data/link", ""), ("rename", "/data/hello.txt", "/data/moved.txt"),
            ("rename", "/data/sub", "/data/sub2"),
        ]
        for (op, path, path2) in attempts {
            #expect(try await run(plugin, op, path, path2, data: "overwritten") == E.rofs, "\(op) \(path)")
        }
        #expect(try await run(plugin, "symlink", "hello.txt", "/data/newlink") == E.perm)
        #expect(try sandbox.snapshot() == before)
        #expect(try await run(plugin, "read", "/data/hello.txt") == "hello world")
    }

    @Test func modificationsUnderAReadWriteDirectoryLandInTheHostDirectory() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plugin = try await load(PluginHost(), sandbox, .readWrite)
        #expect(try await run(plugin, "write", "/data/new.txt", data: "fresh") == "ok")
        #expect(sandbox.read("data/new.txt") == "fresh")
        #expect(try await run(plugin, "append", "/data/new.txt", data: " more") == "ok")
        #expect(sandbox.read("data/new.txt") == "fresh more")
        #expect(try await run(plugin, "write", "/data/hello.txt", data: "replaced") == "ok")
        #expect(sandbox.read("data/hello.txt") == "replaced")
        #expect(try await run(plugin, "create", "/data/created.txt") == "ok")
        #expect(try await run(plugin, "create", "/data/created.txt") == E.exist)
        #expect(try await run(plugin, "truncate", "/data/new.txt") == "ok")
        #expect(sandbox.read("data/new.txt") == "")
        #expect(try await run(plugin, "mkdir", "/data/made") == "ok")
        #expect(try await run(plugin, "write", "/data/made/deep.txt", data: "deep") == "ok")
        #expect(sandbox.read("data/made/deep.txt") == "deep")
        #expect(try await run(plugin, "rename", "/data/made/deep.txt", "/data/sub/moved.txt") == "ok")
        #expect(sandbox.read("data/sub/moved.txt") == "deep")
        #expect(try await run(plugin, "rmdir", "/data/made") == "ok")
        #expect(try await run(plugin, "unlink", "/data/created.txt") == "ok")
        #expect(try await run(plugin, "list", "/data") == "empty,hello.txt,link,linkdir,new.txt,sub")
        #expect(try await run(plugin, "readlink", "/data/link") == sandbox.outside + "/secret.txt")
        #expect(try await run(plugin, "symlink", "/etc/passwd", "/data/newlink") == E.perm)
        #expect(!FileManager.default.fileExists(atPath: sandbox.data + "/newlink"))
    }

    @Test(arguments: [PreopenedDirectory.Access.readOnly, .readWrite])
    func nothingOutsideThePreopenIsReachable(access: PreopenedDirectory.Access) async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plugin = try await load(PluginHost(), sandbox, access)
        let before = try sandbox.snapshot()
        // Resolved by the host (the path starts with the preopen's name).
        #expect(try await run(plugin, "read", "/data/../../etc/passwd") == E.notcapable)
        #expect(try await run(plugin, "read", "/data/../outside/secret.txt") == E.notcapable)
        #expect(try await run(plugin, "read", "/data/sub/../../outside/secret.txt") == E.notcapable)
        #expect(try await run(plugin, "list", "/data/..") == E.notcapable)
        #expect(try await run(plugin, "read", "/data/link") == E.loop)
        #expect(try await run(plugin, "read", "/data/linkdir/secret.txt") == E.loop)
        #expect(try await run(plugin, "list", "/data/linkdir") == E.loop)
        // Refused by wasi-libc already (no preopen matches); the host would refuse them too (see the hostile test).
        for path in ["../../etc/passwd", "/etc/passwd", "/outside/secret.txt", sandbox.outside + "/secret.txt"] {
            let result = try await run(plugin, "read", path)
            #expect(result.hasPrefix("error "), "\(path): \(result)")
        }
        if access == .readWrite {
            #expect(try await run(plugin, "write", "/data/link", data: "pwned") == E.loop)
            #expect(try await run(plugin, "write", "/data/linkdir/secret.txt", data: "pwned") == E.loop)
            #expect(try await run(plugin, "write", "/data/../outside/secret.txt", data: "pwned") == E.notcapable)
            #expect(try await run(plugin, "mkdir", "/data/linkdir/made") == E.loop)
            #expect(try await run(plugin, "rename", "/data/hello.txt", "/data/../outside/stolen.txt") == E.notcapable)
        }
        #expect(try sandbox.snapshot() == before)
        #expect(sandbox.read("outside/secret.txt") == "secret")
    }

    /// A directory replaced by a symbolic link while the plugin runs (what a race would do) is not followed.
    @Test func aSymlinkSwappedInForADirectoryIsNotFollowed() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plugin = try await load(PluginHost(), sandbox, .readWrite)
        #expect(try await run(plugin, "read", "/data/sub/inner.txt") == "inner")
        try FileManager.default.removeItem(atPath: sandbox.data + "/sub")
        try FileManager.default.createSymbolicLink(atPath: sandbox.data + "/sub", withDestinationPath: sandbox.outside)
        #expect(try await run(plugin, "read", "/data/sub/secret.txt") == E.loop)
        #expect(try await run(plugin, "write", "/data/sub/planted.txt", data: "x") == E.loop)
        #expect(!FileManager.default.fileExists(atPath: sandbox.outside + "/planted.txt"))
    }

    @Test func withoutAGrantNoFileIsReachable() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plugin = try await load(PluginHost(), sandbox, nil)
        for (op, path) in [("read", "/data/hello.txt"), ("read", sandbox.data + "/hello.txt"), ("list", "/"), ("list", "."), ("write", "/tmp/x")] {
            let result = try await run(plugin, op, path, data: "x")
            #expect(result.hasPrefix("error "), "\(op) \(path): \(result)")
        }
    }

    @Test func aRuntimeGrantTakesEffectAtTheNextInstantiation() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let manager = CapabilityManager()
        let host = PluginHost(configuration: .init(capabilityManager: manager))
        var plugin = try await load(host, sandbox, nil)
        #expect(try await run(plugin, "read", "/data/hello.txt") == E.notcapable)

        try await manager.grant("fs-read:\(sandbox.data):/data", to: "fs-probe")
        #expect(try await run(plugin, "read", "/data/hello.txt") == E.notcapable)  // the running instance keeps its grants
        try await host.unload("fs-probe")
        plugin = try await load(host, sandbox, nil)
        #expect(try await run(plugin, "read", "/data/hello.txt") == "hello world")
        #expect(try await run(plugin, "write", "/data/hello.txt", data: "x") == E.rofs)

        try await manager.grant("fs-write:\(sandbox.data):/data", to: "fs-probe")
        try await host.unload("fs-probe")
        plugin = try await load(host, sandbox, nil)
        #expect(try await run(plugin, "write", "/data/hello.txt", data: "granted") == "ok")
        #expect(sandbox.read("data/hello.txt") == "granted")

        try await manager.revoke("fs-read:\(sandbox.data)", from: "fs-probe")
        try await host.unload("fs-probe")
        plugin = try await load(host, sandbox, nil)
        #expect(try await run(plugin, "read", "/data/hello.txt") == E.notcapable)
    }

    @Test func capabilitySpellingsParse() throws {
        #expect(try Capability(parsing: "fs-read:data") == .fsRead(host: "data"))
        #expect(try Capability(parsing: "fs-read:data:/data") == .fsRead(host: "data", guest: "/data"))
        #expect(try Capability(parsing: "fs-write:/srv/x:/x") == .fsWrite(host: "/srv/x", guest: "/x"))
        #expect(Capability.fsWrite(host: "a", guest: "/b").description == "fs-write:a:/b")
        for bad in ["fs-read:", "fs-write::/x", "fs-read:data:", "fs-exec:data"] {
            #expect(throws: PlugboardError.self, "\(bad)") { try Capability(parsing: bad) }
        }
        var capabilities = PluginCapabilities()
        capabilities.apply(.fsWrite(host: "d", guest: "/d"), granted: true)
        #expect(capabilities.directories == [PreopenedDirectory(hostPath: "d", guestPath: "/d", access: .readWrite)])
        capabilities.apply(.fsWrite(host: "d"), granted: false)
        #expect(capabilities.directories == [PreopenedDirectory(hostPath: "d", guestPath: "/d", access: .readOnly)])
        capabilities.apply(.fsRead(host: "d"), granted: false)
        #expect(capabilities.directories.isEmpty)
    }

    @Test func openDescriptorsAreCappedAndClosedWhenTheInstanceIsReplaced() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let plugin = try await PluginHost().load(
            path: try await Self.probePath(),
            options: .init(
                // No deadline: on a loaded machine the spin could reach one before it runs out of fuel.
                limits: PluginLimits(fuelPerCall: 50_000_000, timeout: nil),
                capabilities: PluginCapabilities(directories: [PreopenedDirectory(hostPath: sandbox.data, guestPath: "/data")])))
        #expect(try await run(plugin, "leak", "/data/hello.txt") == "opened 128 \(E.mfile)")
        #expect(try await run(plugin, "read", "/data/hello.txt") == E.mfile)
        // A limit trap discards the instance; the fresh one starts with only its preopen open.
        let error = try await #require(throws: PlugboardError.self) { try await run(plugin, "spin") }
        #expect(error.code == .fuelExhausted)
        #expect(try await run(plugin, "read", "/data/hello.txt") == "hello world")
        #expect(try await run(plugin, "leak", "/data/hello.txt") == "opened 128 \(E.mfile)")
    }

    // MARK: manifest

    func manifestDirectory(_ sandbox: Sandbox, dirs: String) async throws -> String {
        let directory = sandbox.root.path
        try "name = \"fs-probe\"\nwasm = \"\(try await Self.probePath())\"\n[capabilities]\ndirs = \(dirs)\n".write(
            toFile: directory + "/plugin.toml", atomically: true, encoding: .utf8)
        return directory
    }

    @Test func manifestDirsArePreopenedRelativeToTheManifest() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let directory = try await manifestDirectory(
            sandbox, dirs: "[{ host = \"data\", guest = \"/data\", access = \"rw\" }, { host = \"outside\", guest = \"/ro\" }]")
        let plugin = try await PluginHost().load(path: directory)
        #expect(try await run(plugin, "write", "/data/from-manifest.txt", data: "m") == "ok")
        #expect(sandbox.read("data/from-manifest.txt") == "m")
        #expect(try await run(plugin, "read", "/ro/secret.txt") == "secret")
        #expect(try await run(plugin, "unlink", "/ro/secret.txt") == E.rofs)
    }

    @Test func aMissingManifestDirectoryFailsTheLoadNamingThePluginAndThePath() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let directory = try await manifestDirectory(sandbox, dirs: "[{ host = \"nope\", guest = \"/nope\" }]")
        let error = try await #require(throws: PlugboardError.self) { try await PluginHost().load(path: directory) }
        #expect(error.code == .fileNotFound)
        #expect(error.plugin == "fs-probe")
        #expect(error.message.contains(sandbox.root.path + "/nope"))
        #expect(error.message.contains("'/nope'"))
        #expect(error.hint?.contains("Create the directory") == true)
    }

    @Test(arguments: [
        ("dirs = \"data\"", "must be an array of tables"),
        ("dirs = [{ host = \"data\", access = \"rwx\" }]", "access 'rwx'"),
        ("dirs = [{ host = \"data\", mode = \"ro\" }]", "unknown field 'mode'"),
        ("dirs = [{ guest = \"/data\" }]", "without a 'host'"),
    ])
    func badManifestDirsAreErrorsNamingTheKey(text: String, phrase: String) throws {
        let error = try #require(throws: PlugboardError.self) {
            try PluginManifest(parsing: "[capabilities]\n\(text)\n", fileName: "plugin.toml")
        }
        #expect(error.code == .invalidManifest)
        #expect(error.message.contains("line 2: 'dirs' in [capabilities]"), "\(error.message)")
        #expect(error.message.contains(phrase), "\(error.message)")
    }

    // MARK: hostile pointers

    @Test(arguments: [
        ("p", "21"), ("r", "21"), ("l", "37"), ("a", "76"), ("d", "76"), ("i", "21"), ("v", "21"), ("b", "21"), ("g", "21"),
        ("u", "21"), ("n", "21"), ("f", "8"), ("o", "0"),
    ])
    func badPointersInFileCallsAreEFAULT(input: String, errno: String) async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let host = PluginHost()
        let plugin = try await host.load(
            path: Repository.path("Tests/PlugboardTests/Fixtures/hostile/wasi-bad-fs-ptrs.wat"),
            options: .init(capabilities: PluginCapabilities(directories: [PreopenedDirectory(hostPath: sandbox.data, access: .readWrite)])))
        #expect(try await plugin.process(ProcessRequest(input: input, options: [])).output == errno)
        #expect(!FileManager.default.fileExists(atPath: sandbox.data + "/created.txt"))
        // The plugin and the host keep working.
        #expect(try await plugin.process(ProcessRequest(input: "o", options: [])).output == "0")
    }
}
