import Foundation

/// The repository's `scripts/wasm-cc` (Swift's clang for wasm32-wasip1 against wasi-libc), run with the flags
/// every test plugin is built with: a reactor (unless asked for a command), `-O2`, MVP instructions, all warnings
/// as errors.
public enum WasmCC {
    /// What kind of WASI module to build.
    public enum ExecModel: Sendable {
        /// A library the host calls into: exports `_initialize` and its functions (plugins).
        case reactor
        /// A program: exports `_start`, which runs `main` (what `plugboard exec` runs).
        case command

        var flags: [String] { self == .reactor ? ["-mexec-model=reactor"] : [] }
    }

    /// Compiles `sources` (and any extra `flags`, e.g. `-I DIR`) into `output`, a reactor unless `model` says otherwise.
    /// - Throws: ``CEchoGuest/Failure`` when the toolchain is missing or the compiler fails, with its diagnostics.
    public static func compile(
        _ sources: [String], flags: [String] = [], model: ExecModel = .reactor, output: String, repositoryRoot: String
    ) async throws {
        guard FileManager.default.fileExists(atPath: repositoryRoot + "/build/wasm-toolchain/sysroot") else {
            throw CEchoGuest.Failure("the wasm32 C toolchain is missing: run scripts/setup (the test command scripts/test does)")
        }
        let result = try await Subprocess.run(
            repositoryRoot + "/scripts/wasm-cc", model.flags + ["-O2", "-mcpu=mvp", "-Wall", "-Wextra", "-Werror"] + flags + sources + ["-o", output])
        let diagnostics = result.stdout + result.stderr
        guard result.status == 0 else {
            let names = sources.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
            throw CEchoGuest.Failure("scripts/wasm-cc failed on \(names):\n\(diagnostics)")
        }
    }
}
