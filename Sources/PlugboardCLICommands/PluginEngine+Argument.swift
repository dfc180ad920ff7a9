import ArgumentParser
import Plugboard

/// `--engine wasmkit|wasmtime` on `run`, `exec` and `serve`.
extension PluginEngine: ExpressibleByArgument {}
