import Foundation
import Synchronization

/// The filesystem probe plugin (`Tests/PlugboardTests/Fixtures/filesystem/fs-probe.c`, a wasi-libc reactor on
/// the default world), compiled with scripts/wasm-cc on first use in a process, so a fresh clone needs only
/// `scripts/setup`.
public enum FSProbeGuest {
    private static let built = Mutex<Task<String, any Error>?>(nil)

    /// The path of the compiled probe (built once per process into a temporary directory).
    public static func path(repositoryRoot: String) async throws -> String {
        let build = built.withLock { cached in
            if let cached { return cached }
            let task = Task { try await compile(repositoryRoot: repositoryRoot) }
            cached = task
            return task
        }
        return try await build.value
    }

    private static func compile(repositoryRoot: String) async throws -> String {
        let bindings = repositoryRoot + "/examples/plugins/text-transform-c/bindings"
        let directory = try ProcessScratch.makeDirectory("fs-probe")
        let output = directory.appendingPathComponent("fs-probe.wasm").path
        try await WasmCC.compile(
            [repositoryRoot + "/Tests/PlugboardTests/Fixtures/filesystem/fs-probe.c", bindings + "/plugin_world.c"], flags: ["-I", bindings],
            output: output, repositoryRoot: repositoryRoot)
        return output
    }
}
