/// Which engine runs a plugin: `engine = "wasmkit"` or `"wasmtime"` in `plugin.toml`, ``PluginHost/LoadOptions/engine``,
/// `--engine` on `plugboard run`, `exec` and `serve`.
public enum PluginEngine: String, Sendable, Hashable, CaseIterable {
    /// WasmKit: the embedded interpreter, pure Swift, no JIT (the default; runs where JITs cannot, such as iOS).
    case wasmkit
    /// Wasmtime: a JIT through its C library, loaded at run time when a plugin asks for it (`scripts/setup` installs it).
    case wasmtime
}
