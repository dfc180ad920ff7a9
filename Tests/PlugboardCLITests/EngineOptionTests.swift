import Foundation
import PlugboardTesting
import Testing

/// `--engine` on `plugboard run`: the C example answers the same on both engines, and a missing Wasmtime library is
/// an error that says what to install.
@Suite struct EngineOptionTests {
    @Test(arguments: ["wasmkit", "wasmtime"])
    func runAnswersTheSameOnEitherEngine(engine: String) async throws {
        let result = try await plugboard(
            ["run", "--engine", engine, "--input", "hello engines", "--option", "mode=uppercase", "examples/plugins/text-transform-c/plugin.wasm"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "HELLO ENGINES\n")
    }

    @Test func aMissingWasmtimeLibrarySaysWhatToInstall() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PLUGBOARD_WASMTIME_LIB"] = "/nonexistent/_libwasmtime.so"
        let result = try await runProcess(
            try Repository.executable().path, ["run", "--engine", "wasmtime", "--input", "x", "examples/plugins/text-transform-c/plugin.wasm"],
            in: Repository.root, environment: environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains("the Wasmtime engine is not available"), "\(result.stderr)")
        #expect(result.stderr.contains("/nonexistent/_libwasmtime.so"))
        #expect(result.stderr.contains("scripts/setup"))
        #expect(result.stderr.contains("wasmtime==50.0.1"))
    }

    @Test func anUnknownEngineIsBadUsage() async throws {
        let result = try await plugboard(["run", "--engine", "v8", "--input", "x", "examples/plugins/text-transform-c/plugin.wasm"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("wasmkit") && result.stderr.contains("wasmtime"), "\(result.stderr)")
    }
}
