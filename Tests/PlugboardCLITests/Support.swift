import Foundation
import PlugboardTesting
import Testing

/// Paths inside the repository.
enum Repository {
    static let root: URL = SourceTree.root

    static func path(_ relative: String) -> String { SourceTree.path(relative) }

    static let cPlugin = path("examples/plugins/text-transform-c/plugin.wasm")
    static let watPlugin = path("examples/plugins/text-transform-wat/plugin.wat")

    /// The built `plugboard` executable: next to the test bundle, else in `.build/debug`.
    static func executable() throws -> URL {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.deletingLastPathComponent().appendingPathComponent("plugboard"),  // macOS: debug/X.xctest
            bundle.appendingPathComponent("plugboard"),  // Linux: the bundle URL is the build directory
            root.appendingPathComponent(".build/debug/plugboard"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            Issue.record("the plugboard executable was not found (looked at \(candidates.map(\.path))); run `swift build` first")
            throw CancellationError()
        }
        return found
    }
}

/// What a finished `plugboard` process printed and returned.
struct ProcessResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `plugboard` with `arguments` and waits for it.
func plugboard(_ arguments: [String]) async throws -> ProcessResult {
    try await runProcess(try Repository.executable().path, arguments, in: Repository.root)
}

/// Runs a program with `input` on its stdin (empty without) and waits for it, without blocking a thread of the
/// cooperative pool.
func runProcess(
    _ executable: String, _ arguments: [String], in directory: URL, environment: [String: String]? = nil, input: Data? = nil
) async throws -> ProcessResult {
    let output = try await Subprocess.run(executable, arguments, in: directory.path, environment: environment, input: input)
    return ProcessResult(status: output.status, stdout: output.stdout, stderr: output.stderr)
}

/// A temporary directory removed at the end of `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-cli-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// A module that has a memory but none of the default world's exports.
let moduleWithoutWorldExports = """
    (module
      (memory (export "memory") 1)
      (func (export "unrelated") (result i32) i32.const 0))
    """

/// A default-world plugin whose `process` calls WASI `proc_exit(3)`.
let pluginThatExitsWithThree = """
    (module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      ;; get-metadata result: name "exiter" @200, version "1.0.0" @208, description "" @208
      (data (i32.const 100) "\\c8\\00\\00\\00\\06\\00\\00\\00\\d0\\00\\00\\00\\05\\00\\00\\00\\d0\\00\\00\\00\\00\\00\\00\\00")
      (data (i32.const 200) "exiter\\00\\001.0.0")
      ;; result<_, string> = ok, all zero @300
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      (func (export "plugboard:plugin/plugin-api@1.0.0#initialize") (param i32 i32) (result i32) (i32.const 300))
      (func (export "plugboard:plugin/plugin-api@1.0.0#process") (param i32 i32 i32 i32) (result i32)
        (call $exit (i32.const 3)) (unreachable))
      (func (export "plugboard:plugin/plugin-api@1.0.0#shutdown") (result i32) (i32.const 300))
      (func (export "plugboard:plugin/plugin-api@1.0.0#get-metadata") (result i32) (i32.const 100)))
    """
