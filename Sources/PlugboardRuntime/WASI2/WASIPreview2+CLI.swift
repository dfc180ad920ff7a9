import PlugboardABI
import PlugboardManifest

/// `wasi:cli`: environment, exit, standard streams, terminals.
extension WASIPreview2 {
    var cliEnvironment: [String: Implementation] {
        let environment = capabilities.environment.sorted { $0.key < $1.key }
        let arguments = capabilities.arguments
        return [
            "get-environment": { _, _ in [.list(environment.map { .tuple([.string($0.key), .string($0.value)]) })] },
            "get-arguments": { _, _ in [.list(arguments.map(WITValue.string))] },
            "initial-cwd": { _, _ in [.option(nil)] },
        ]
    }

    var cliExit: [String: Implementation] {
        [
            // `exit(status: result)`: ok is 0, err is 1, as wasi-libc maps them.
            "exit": { arguments, _ in
                if case .ok? = arguments.first { throw PlugboardError.pluginExited(code: 0, call: "wasi:cli/exit.exit(ok)") }
                throw PlugboardError.pluginExited(code: 1, call: "wasi:cli/exit.exit(err)")
            },
            "exit-with-code": { arguments, _ in
                guard case .u8(let code)? = arguments.first else { throw PlugboardError.invalidArgument("exit-with-code without a u8") }
                throw PlugboardError.pluginExited(code: UInt32(code), call: "wasi:cli/exit.exit-with-code")
            },
        ]
    }

    var cliStdin: [String: Implementation] {
        let readsHost = capabilities.standardInput == .inherit
        return ["get-stdin": { _, function in [try Self.own(function.results.first, WASIInputStream(.standardInput(readsHost: readsHost)))] }]
    }

    var cliStdout: [String: Implementation] {
        let stdio = GuestStdio(capabilities.stdio, output: output)
        return ["get-stdout": { _, function in [try Self.own(function.results.first, WASIOutputStream(.standardStream(stdio, isStandardError: false)))] }]
    }

    var cliStderr: [String: Implementation] {
        let stdio = GuestStdio(capabilities.stdio, output: output)
        return ["get-stderr": { _, function in [try Self.own(function.results.first, WASIOutputStream(.standardStream(stdio, isStandardError: true)))] }]
    }

    /// `get-terminal-*`: no stream is a terminal.
    func noTerminal(_ name: String) -> [String: Implementation] {
        [name: { _, _ in [.option(nil)] }]
    }
}
