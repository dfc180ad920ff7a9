import PlugboardABI

/// The worlds a WASI program is linked against: nothing of Plugboard's plugin interfaces, only what a command
/// exports. Its WASI imports are served by Plugboard itself, as for plugins.
package enum CommandWorlds {
    /// For a WASI preview-1 core module: no WIT exports (its entry point, `_start`, is a plain core export) and no
    /// imports beyond `wasi_snapshot_preview1`.
    package static let preview1 = WITWorld(
        package: WITPackageName(namespace: "plugboard", name: "program", version: SemanticVersion(1, 0, 0)), name: "preview1-command",
        imports: [], exports: [])

    /// `wasi:cli/run@0.2.0`: `run: func() -> result`. A component built against any 0.2.x version links.
    package static let runInterface = WITInterface(
        package: WITPackageName(namespace: "wasi", name: "cli", version: SemanticVersion(0, 2, 0)), name: "run",
        functions: [WITFunction(name: "run", parameters: [], results: [.result(ok: nil, error: nil)])])

    /// For a component: `wasi:cli/command@0.2.0`'s export, `wasi:cli/run`, and no imports beyond `wasi:*@0.2.x`.
    package static let component = WITWorld(
        package: WITPackageName(namespace: "wasi", name: "cli", version: SemanticVersion(0, 2, 0)), name: "command",
        imports: [], exports: [runInterface])
}
