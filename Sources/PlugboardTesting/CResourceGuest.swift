import Foundation
import Plugboard
import PlugboardBindgen

/// The resource plugin: `Tests/PlugboardTests/Fixtures/resources/plugin.c`, a C plugin of the world
/// `resource-world` in `resources/world.wit`, built on the bindings ``CGuestBindgen`` generates for that world.
///
/// It implements the resource `counter` (its interface `counters` is exported) and uses the host's `blob` (it
/// imports `blobs`; the host implements `[constructor]blob`, `[method]blob.append` and `[static]blob.concat`, the
/// ones the plugin calls):
/// - `counter(name, start)` makes a counter; `add(n)` adds and returns the new value; `name()` returns the name;
///   `merge(a, b)` destroys `a` (it drops the owned handle, which runs the destructor) and returns a new counter
///   with value `a + b` named `"<a>+<b>"`; `live()` counts the counters made and not yet destroyed.
/// - `echo-counters`, `echo-maybe` and `echo-labelled` return exactly the handles they got.
/// - `extend-blob(b, more)` calls `b.append(more)` and returns `b`.
/// - `blob-of(c, b)` returns `concat(blob(name of c), b)`: a blob made with the host's constructor from the
///   counter's name, then `b`'s bytes. The borrow `b` is dropped by the generated code when the call returns.
public enum CResourceGuest {
    /// The name of the world the plugin implements.
    public static let worldName = "resource-world"

    /// The WIT file defining the world.
    public static func witPath(repositoryRoot: String) -> String {
        repositoryRoot + "/Tests/PlugboardTests/Fixtures/resources/world.wit"
    }

    /// The C file implementing the world's exports.
    public static func sourcePath(repositoryRoot: String) -> String {
        repositoryRoot + "/Tests/PlugboardTests/Fixtures/resources/plugin.c"
    }

    /// The world the plugin implements, loaded from ``witPath(repositoryRoot:)``.
    public static func world(repositoryRoot: String) throws -> WITWorld {
        try WITPackage.load(path: witPath(repositoryRoot: repositoryRoot)).world(named: worldName)
    }

    /// The core module: the world's generated bindings and `plugin.c` compiled with scripts/wasm-cc.
    /// - Throws: ``CEchoGuest/Failure`` when the toolchain is missing or the compiler fails; ``PlugboardError``
    ///   when the bindings cannot be generated.
    public static func core(repositoryRoot: String) async throws -> [UInt8] {
        let bindings = try CGuestBindgen.generate(world: try world(repositoryRoot: repositoryRoot))
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try bindings.header.write(to: directory.appendingPathComponent(bindings.headerName), atomically: true, encoding: .utf8)
        let source = directory.appendingPathComponent(bindings.sourceName).path
        try bindings.source.write(toFile: source, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("resources.wasm").path
        try await WasmCC.compile(
            [sourcePath(repositoryRoot: repositoryRoot), source], flags: ["-I", directory.path], output: output, repositoryRoot: repositoryRoot)
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    /// The component `wasm-tools component new` makes of ``core(repositoryRoot:)`` with the world's WIT, as a plugin
    /// author would build it.
    /// - Throws: ``WasmTools/Failure`` when wasm-tools refuses the module (a core name or signature the component
    ///   model does not expect), besides what ``core(repositoryRoot:)`` throws.
    public static func component(repositoryRoot: String) async throws -> [UInt8] {
        let core = try await core(repositoryRoot: repositoryRoot)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("resources-core.wasm")
        try Data(core).write(to: path)
        return try await WasmTools.component(wit: witPath(repositoryRoot: repositoryRoot), world: worldName, core: path.path)
    }

    private static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-cresources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
