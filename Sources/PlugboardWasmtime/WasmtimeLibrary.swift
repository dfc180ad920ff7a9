import CWasmtime
import Foundation
import PlugboardABI
import Synchronization

/// Wasmtime's C library (`_libwasmtime.so` from the PyPI wheel `wasmtime==50.0.1`), found and loaded at run time.
///
/// Plugboard builds, tests and runs without it; only a plugin that asks for the Wasmtime engine needs it. It is the
/// path given in configuration, else `PLUGBOARD_WASMTIME_LIB`, else the wheel in a Python virtual environment `.venv`
/// (where `scripts/setup` installs it) in the current directory, the executable's directory, or one of their parents.
/// A path given in configuration or the environment is the only one tried. The library must be Wasmtime 50.0.x: the
/// C declarations Plugboard uses are pinned to it, and a library without its versioned symbol is refused.
public enum WasmtimeLibrary {
    /// The Wasmtime version Plugboard's declarations are pinned to.
    public static let version = "50.0.1"
    /// The environment variable naming the library's path.
    public static let environmentVariable = "PLUGBOARD_WASMTIME_LIB"

    /// The loaded library: its functions and where it was found.
    final class Loaded: @unchecked Sendable {
        // @unchecked: a table of C function pointers, written once by the loader and only read after.
        let api: pb_wasmtime_api
        /// The same table, where C code needs it.
        let table: UnsafePointer<pb_wasmtime_api>
        let path: String

        init(table: UnsafePointer<pb_wasmtime_api>, path: String) {
            self.api = table.pointee
            self.table = table
            self.path = path
        }
    }

    private static let loaded = Mutex<[String: Loaded]>([:])

    /// The library, loaded once per path for the life of the process.
    /// - Parameter explicitPath: A path from configuration, tried first.
    /// - Throws: `engine-unavailable` naming where it looked and what to install.
    static func load(explicitPath: String? = nil) throws(PlugboardError) -> Loaded {
        let candidates = candidatePaths(explicitPath: explicitPath)
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw PlugboardError.wasmtimeNotFound(lookedIn: candidates)
        }
        return try loaded.withLock { loaded throws(PlugboardError) -> Loaded in
            if let library = loaded[path] { return library }
            var error = [CChar](repeating: 0, count: 1024)
            guard let api = pb_wasmtime_load(path, &error, error.count) else {
                throw PlugboardError.wasmtimeUnloadable(path: path, reason: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            let library = Loaded(table: api, path: path)
            loaded[path] = library
            return library
        }
    }

    /// Where the library is looked for, in order.
    static func candidatePaths(explicitPath: String?) -> [String] {
        if let explicitPath { return [explicitPath] }
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable], !fromEnvironment.isEmpty {
            return [fromEnvironment]
        }
        var paths: [String] = []
        var roots = [FileManager.default.currentDirectoryPath]
        if let executable = Bundle.main.executablePath { roots.append((executable as NSString).deletingLastPathComponent) }
        for root in roots {
            var directory = URL(fileURLWithPath: root).standardizedFileURL
            for _ in 0..<8 {
                paths += venvLibraries(in: directory.appendingPathComponent(".venv"))
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// The wheel's library inside a virtual environment, for this platform.
    private static func venvLibraries(in venv: URL) -> [String] {
        let lib = venv.appendingPathComponent("lib")
        guard let pythons = try? FileManager.default.contentsOfDirectory(atPath: lib.path) else { return [] }
        #if os(macOS)
        let platform = "darwin-aarch64/_libwasmtime.dylib"
        #elseif arch(arm64)
        let platform = "linux-aarch64/_libwasmtime.so"
        #else
        let platform = "linux-x86_64/_libwasmtime.so"
        #endif
        return pythons.filter { $0.hasPrefix("python3") }.sorted().map {
            lib.appendingPathComponent($0).appendingPathComponent("site-packages/wasmtime").appendingPathComponent(platform).path
        }
    }
}

extension PlugboardError {
    static func wasmtimeNotFound(lookedIn paths: [String]) -> PlugboardError {
        PlugboardError(
            .engineUnavailable,
            "the Wasmtime engine is not available: its C library (Wasmtime \(WasmtimeLibrary.version)) was not found"
                + (paths.isEmpty ? "" : " (looked in \(paths.prefix(4).joined(separator: ", "))\(paths.count > 4 ? ", …" : ""))"),
            hint: "Install it with `scripts/setup` (it runs `.venv/bin/pip install wasmtime==\(WasmtimeLibrary.version)`), or set "
                + "\(WasmtimeLibrary.environmentVariable) to the wheel's _libwasmtime.so; or run the plugin on WasmKit (engine = \"wasmkit\")")
    }

    static func wasmtimeUnloadable(path: String, reason: String) -> PlugboardError {
        PlugboardError(
            .engineUnavailable, "the Wasmtime engine is not available: \(path) cannot be loaded: \(reason)",
            hint: "Install the pinned wheel with `.venv/bin/pip install wasmtime==\(WasmtimeLibrary.version)` (scripts/setup does), or point "
                + "\(WasmtimeLibrary.environmentVariable) at Wasmtime \(WasmtimeLibrary.version)'s _libwasmtime.so")
    }
}
