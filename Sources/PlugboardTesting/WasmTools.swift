import Foundation

/// The repository's `wasm-tools` (PyPI `wasm-tools`, installed into `.venv/` by scripts/setup), for building
/// components in the test run the way plugin authors build them.
public enum WasmTools {
    /// Why running wasm-tools failed.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The executable's path inside the repository.
    public static var executable: String { SourceTree.path(".venv/bin/wasm-tools") }

    /// The WASI preview-1 reactor adapter scripts/setup extracts from the pinned componentize-py wheel.
    public static var wasiAdapter: String { SourceTree.path("build/wasi-adapter/wasi_snapshot_preview1.reactor.wasm") }

    /// `wasm-tools component embed <wit> --world <world> <core>` then `component new`: the component that
    /// `core` (a core module's binary or text) becomes when it implements `world` of the WIT package at `wit`.
    /// - Throws: ``Failure`` when wasm-tools is missing or refuses the module, with its diagnostics.
    /// With `adaptingWASI`, the module's WASI preview-1 imports are adapted to WASI 0.2 by the reactor adapter
    /// (``wasiAdapter``), as `cargo --target wasm32-wasip2` and componentize-py do.
    public static func component(wit: String, world: String, core: String, adaptingWASI: Bool = false) async throws -> [UInt8] {
        let directory = try temporaryDirectory("component")
        defer { try? FileManager.default.removeItem(at: directory) }
        let embedded = directory.appendingPathComponent("embedded.wasm").path
        let component = directory.appendingPathComponent("component.wasm").path
        try await run(["component", "embed", wit, "--world", world, core, "-o", embedded])
        var new = ["component", "new", embedded, "-o", component]
        if adaptingWASI {
            guard FileManager.default.fileExists(atPath: wasiAdapter) else {
                throw Failure("the WASI adapter is missing at \(wasiAdapter): run scripts/setup (the test command scripts/test does)")
            }
            new += ["--adapt", "wasi_snapshot_preview1=" + wasiAdapter]
        }
        try await run(new)
        return Array(try Data(contentsOf: URL(fileURLWithPath: component)))
    }

    /// `wasm-tools component embed <wit> --world <world> <core>`: the core module with its world attached in a
    /// `component-type` custom section, as wit-bindgen's output carries it.
    public static func embed(wit: String, world: String, core: String) async throws -> [UInt8] {
        let directory = try temporaryDirectory("embed")
        defer { try? FileManager.default.removeItem(at: directory) }
        let embedded = directory.appendingPathComponent("embedded.wasm").path
        try await run(["component", "embed", wit, "--world", world, core, "-o", embedded])
        return Array(try Data(contentsOf: URL(fileURLWithPath: embedded)))
    }

    /// `wasm-tools parse <text>`: the binary of a module or component written in text, without validating it
    /// (so hostile fixtures can say what a validator would refuse).
    public static func parse(_ text: String) async throws -> [UInt8] {
        let directory = try temporaryDirectory("parse")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("input.wat").path
        let output = directory.appendingPathComponent("output.wasm").path
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        try await run(["parse", input, "-o", output])
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    /// Runs wasm-tools with `arguments`; throws with its standard error unless it exits 0.
    public static func run(_ arguments: [String]) async throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure("wasm-tools is missing at \(executable): run scripts/setup (the test command scripts/test does)")
        }
        let result = try await Subprocess.run(executable, arguments)
        guard result.status == 0 else { throw Failure("wasm-tools \(arguments.joined(separator: " ")) failed:\n\(result.stderr)") }
    }

    static func temporaryDirectory(_ purpose: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-\(purpose)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
