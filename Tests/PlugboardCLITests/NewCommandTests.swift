import Foundation
import Testing

/// `plugboard new --lang c`, end to end with the built executable: create, build with the generated build.sh, run.
@Suite struct NewCommandTests {
    @Test func aNewCPluginBuildsAndRuns() async throws {
        try #require(
            FileManager.default.fileExists(atPath: Repository.path("build/wasm-toolchain/sysroot")),
            "the wasm32 C toolchain is missing: run scripts/setup (the test command scripts/test does)")
        try await withTemporaryDirectory { directory in
            let project = directory.appendingPathComponent("demo").path
            let created = try await plugboard(["new", project, "--lang", "c"])
            #expect(created.status == 0, "stderr: \(created.stderr)")
            for file in ["plugin.c", "build.sh", "README.md", "wit/plugin.wit", "bindings/plugin_world.h", "bindings/plugin_world.c"] {
                #expect(FileManager.default.fileExists(atPath: project + "/" + file), "missing \(file)")
            }

            let build = try await runProcess("/bin/bash", [project + "/build.sh"], in: directory)
            #expect(build.status == 0, "build.sh failed:\n\(build.stdout)\n\(build.stderr)")
            #expect(build.stderr.isEmpty, "the starter compiles without warnings:\n\(build.stderr)")

            let wasm = project + "/demo.wasm"
            let result = try await plugboard(["run", wasm, "--input", "hi"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout == "HI\n")

            let inspect = try await plugboard(["inspect", wasm])
            #expect(inspect.stdout.contains("✓ matches"), "\(inspect.stdout)")
        }
    }

    /// `plugboard new --lang python`, built with componentize-py (scripts/setup installs it) and run, in a directory
    /// outside the repository.
    @Test func aNewPythonPluginBuildsAndRuns() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Repository.path(".venv/bin/componentize-py")),
            "componentize-py is missing: run scripts/setup (the test command scripts/test does)")
        try await withTemporaryDirectory { directory in
            let project = directory.appendingPathComponent("py-demo").path
            let created = try await plugboard(["new", project, "--lang", "python"])
            #expect(created.status == 0, "stderr: \(created.stderr)")
            for file in ["app.py", "build.sh", "README.md", "wit/plugin.wit"] {
                #expect(FileManager.default.fileExists(atPath: project + "/" + file), "missing \(file)")
            }
            let build = try await runProcess("/bin/bash", [project + "/build.sh"], in: directory)
            #expect(build.status == 0, "build.sh failed:\n\(build.stdout)\n\(build.stderr)")

            let wasm = project + "/py-demo.wasm"
            let result = try await plugboard(["run", wasm, "--input", "hi"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout == "HI\n")
            let inspect = try await plugboard(["inspect", wasm])
            #expect(inspect.stdout.contains("kind: component"))
            #expect(inspect.stdout.contains("✓ matches"), "\(inspect.stdout)")
        }
    }

    @Test func buildScriptWithoutACompilerExplainsAndInstallsNothing() async throws {
        try await withTemporaryDirectory { directory in
            let project = directory.appendingPathComponent("demo").path
            #expect(try await plugboard(["new", project, "--lang", "c"]).status == 0)
            // Without the embedded fallback (as outside this checkout) and without PLUGBOARD_WASM_CC.
            let script = project + "/build.sh"
            let text = try String(contentsOfFile: script, encoding: .utf8)
            let standalone = text.components(separatedBy: "\n")
                .map { $0.hasPrefix("CHECKOUT_WASM_CC=") ? "CHECKOUT_WASM_CC=''" : $0 }.joined(separator: "\n")
            #expect(standalone != text, "build.sh embeds this checkout's scripts/wasm-cc as a fallback")
            try standalone.write(toFile: script, atomically: true, encoding: .utf8)
            let build = try await runProcess("/bin/bash", [script], in: directory, environment: ["PATH": "/usr/bin:/bin"])
            #expect(build.status == 1)
            #expect(build.stderr.contains("no C compiler for wasm32-wasip1"))
            #expect(build.stderr.contains("apt-get install wasi-libc libclang-rt-22-dev-wasm32"))
            #expect(build.stderr.contains("PLUGBOARD_WASM_CC"))
        }
    }

    @Test func newRefusesAnExistingDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let project = directory.appendingPathComponent("taken")
            try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
            try "keep me".write(to: project.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
            let result = try await plugboard(["new", project.path, "--lang", "c"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("already exists"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: project.path) == ["notes.txt"])
        }
    }

    @Test func newWithAnotherWorldGeneratesACompilingStarter() async throws {
        try #require(
            FileManager.default.fileExists(atPath: Repository.path("build/wasm-toolchain/sysroot")),
            "the wasm32 C toolchain is missing: run scripts/setup (the test command scripts/test does)")
        try await withTemporaryDirectory { directory in
            let project = directory.appendingPathComponent("echo").path
            let wit = Repository.path("Tests/PlugboardTests/Fixtures/all-types/world.wit")
            let created = try await plugboard(["new", project, "--lang", "c", "--wit", wit, "--world", "echo-world"])
            #expect(created.status == 0, "stderr: \(created.stderr)")
            #expect(FileManager.default.fileExists(atPath: project + "/wit/world.wit"))
            let build = try await runProcess("/bin/bash", [project + "/build.sh"], in: directory)
            #expect(build.status == 0, "build.sh failed:\n\(build.stdout)\n\(build.stderr)")
            #expect(build.stderr.isEmpty, "the starter compiles without warnings:\n\(build.stderr)")
            let inspect = try await plugboard(["inspect", project + "/echo.wasm", "--wit", wit, "--world", "echo-world"])
            #expect(inspect.stdout.contains("✓ matches"), "\(inspect.stdout)")
        }
    }

    @Test func bindgenGuestCWritesTheHeaderAndSourceIntoTheDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let out = directory.appendingPathComponent("bindings").path
            let result = try await plugboard(["bindgen", "--guest", "c", Repository.path("wit"), "--world", "plugin-world", "-o", out])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let header = try String(contentsOfFile: out + "/plugin_world.h", encoding: .utf8)
            #expect(header.hasPrefix("/* Generated by plugboard bindgen — DO NOT EDIT"))
            let committed = try String(contentsOfFile: Repository.path("examples/plugins/text-transform-c/bindings/plugin_world.c"), encoding: .utf8)
            #expect(try String(contentsOfFile: out + "/plugin_world.c", encoding: .utf8) == committed)

            let neither = try await plugboard(["bindgen", Repository.path("wit"), "-o", out])
            #expect(neither.status == 64)
            #expect(neither.stderr.contains("Pass --host swift or --guest c"))
        }
    }
}
