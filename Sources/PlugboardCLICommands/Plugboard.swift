import ArgumentParser

/// The `plugboard` command: runs and inspects sandboxed WebAssembly plugins.
///
/// The type is not called `Plugboard` so that it does not shadow the `Plugboard` library module.
public struct PlugboardCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "plugboard",
        abstract: "Run and inspect sandboxed WebAssembly plugins.",
        discussion: """
            Plugins are core WebAssembly modules (.wasm) or WebAssembly text (.wat) that implement the WIT world \
            plugboard:plugin/plugin-world@1.0.0 through the canonical ABI. `plugboard exec` runs a WASI program \
            (a command) instead, in the same sandbox.

            Exit codes: 0 success, 1 failure (the plugin failed, or the file could not be loaded), 64 bad usage; \
            exec passes the program's own on (see `plugboard exec --help`).
            """,
        version: "0.1.0",
        subcommands: [Run.self, Exec.self, Serve.self, Inspect.self, Bindgen.self, New.self]
    )

    public init() {}
}
