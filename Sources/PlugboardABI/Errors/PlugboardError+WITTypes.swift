/// The messages of WIT-level type checks at load: a binary that declares its WIT types (a component, or a core
/// module with a `component-type` section) and declares one differently from the host's WIT.
extension PlugboardError {
    /// `direction` is "imports" or "exports"; `pluginInterface` the interface as the plugin names it (with the
    /// version it was built against), `hostInterface` the host's.
    package static func witTypeMismatch(
        _ direction: String, function: String, pluginInterface: String?, hostInterface: String?, difference: String
    ) -> PlugboardError {
        let plugin = pluginInterface.map { "\($0) function '\(function)'" } ?? "function '\(function)'"
        let host = hostInterface.map { " (this host's is \($0))" } ?? ""
        let versions = pluginInterface != nil && pluginInterface != hostInterface ? host : ""
        return PlugboardError(
            .incompatibleInterface,
            "the plugin \(direction) \(plugin) with another WIT type than the host's\(versions): \(difference)",
            hint: "Rebuild the plugin against the host's WIT\(hostInterface.map { " (\($0))" } ?? "")")
    }
}
