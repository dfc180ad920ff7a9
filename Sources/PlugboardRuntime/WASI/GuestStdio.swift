import PlugboardManifest

/// Where a guest's stdout and stderr writes go, as its ``PluginCapabilities/stdio`` says: the same for WASI preview 1
/// (`fd_write` on fds 1 and 2) and WASI 0.2 (the `get-stdout` and `get-stderr` output streams).
package enum GuestStdio: Sendable {
    /// Split into lines and logged with the plugin's name.
    case log(GuestOutput)
    /// Dropped.
    case discard
    /// Written unchanged to the host process's stdout and stderr (see ``HostStandardStreams``).
    case inherit

    package init(_ mode: PluginCapabilities.Stdio, output: GuestOutput) {
        switch mode {
        case .log: self = .log(output)
        case .discard: self = .discard
        case .inherit: self = .inherit
        }
    }

    /// Passes `bytes` on.
    /// - Throws: ``HostStandardStreams/Failure`` when the host's stream refuses them (only under `.inherit`).
    package func write(_ bytes: UnsafeRawBufferPointer, toStandardError: Bool) throws {
        switch self {
        case .log(let output): output.write(bytes, toStandardError: toStandardError)
        case .discard: break
        case .inherit: try HostStandardStreams.writeOutput(bytes, toStandardError: toStandardError)
        }
    }
}
