import PlugboardABI

/// Messages for capabilities a manifest or a host grants.
extension PlugboardError {
    package static func preopenUnavailable(_ directory: PreopenedDirectory, reason: String) -> PlugboardError {
        PlugboardError(
            .fileNotFound,
            "cannot open host directory '\(directory.hostPath)' to preopen it for the plugin as '\(directory.guestPath)': \(reason)",
            hint: "Create the directory or fix its path (a manifest's 'dirs' host paths are relative to the manifest's directory)")
    }

    package static func invalidNetworkPattern(_ text: String, reason: String) -> PlugboardError {
        PlugboardError(
            .invalidArgument, "invalid network allowlist entry '\(truncated(text))': \(reason)",
            hint: "Write it as scheme://host[:port] with scheme http or https, e.g. https://api.example.com, http://127.0.0.1:8080, https://[::1]:8443 or https://*.example.com")
    }
}
