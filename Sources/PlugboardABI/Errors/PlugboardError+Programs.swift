/// Errors of WASI programs (commands) run once, as `plugboard exec` runs them.
extension PlugboardError {
    /// A core module without a `_start` export of type `() -> ()`.
    package static func notACommandModule(hasInitialize: Bool) -> PlugboardError {
        PlugboardError(
            .incompatibleInterface,
            "this core module exports no '_start' function taking and returning nothing, so it is not a WASI command"
                + (hasInitialize ? " (it exports '_initialize': it was built as a reactor or a plugin)" : ""),
            hint: "Build it as a command (wasi-libc: without -mexec-model=reactor; Rust: a binary crate), or run it as a plugin with `plugboard run`")
    }

    /// A component that does not export `wasi:cli/run@0.2.x`.
    package static func notACommandComponent(exports: [String]) -> PlugboardError {
        let exported = exports.isEmpty ? "nothing" : exports.prefix(8).joined(separator: ", ") + (exports.count > 8 ? ", ..." : "")
        return PlugboardError(
            .incompatibleInterface,
            "this component does not export wasi:cli/run@0.2.x, so it is not a WASI command (it exports \(exported))",
            hint: "Build it for the wasi:cli/command world (e.g. `cargo build --target wasm32-wasip2` for a binary crate), "
                + "or run it as a plugin with `plugboard run`")
    }

    /// A program's `proc_exit` with a status a process cannot pass on unambiguously.
    package static func exitStatusOutOfRange(_ status: UInt32) -> PlugboardError {
        PlugboardError(
            .pluginExited,
            "the program exited with status \(status), outside 0...125; it is reported as 1, since shells read 126 and above as "
                + "'cannot run' and 'killed by a signal'",
            hint: "Exit with a status from 0 to 125")
    }
}
