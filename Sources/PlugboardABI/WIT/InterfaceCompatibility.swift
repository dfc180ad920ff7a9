/// Semantic-versioning rules for matching a plugin's interfaces with the host's, as wasmtime and `semver`'s
/// caret requirements do: `1.x.y` matches any `1.*`; `0.x.y` matches `0.x.*`; `0.0.z` and pre-releases match only
/// themselves.
///
/// The host knows only its own world's WIT, so a plugin built against another version of an interface is
/// checked function by function through core signatures (what the canonical ABI lowers each function to).
package enum InterfaceCompatibility {
    /// Whether a plugin built against `plugin` can be linked with a host that has `host`.
    package static func isCompatible(_ plugin: SemanticVersion, with host: SemanticVersion) -> Bool {
        if plugin.prerelease != nil || host.prerelease != nil { return plugin == host }
        guard plugin.major == host.major else { return false }
        if plugin.major > 0 { return true }
        guard plugin.minor == host.minor else { return false }
        return plugin.minor > 0 || plugin.patch == host.patch
    }

    /// What must agree for two versions to be compatible, for messages: `1.x`, `0.3.x`, or the exact version.
    package static func compatibleRange(of version: SemanticVersion) -> String {
        if version.prerelease != nil { return "exactly \(version)" }
        if version.major > 0 { return "\(version.major).x" }
        if version.minor > 0 { return "0.\(version.minor).x" }
        return "exactly \(version)"
    }

    /// Why two versions are incompatible, for messages.
    package static func reason(_ plugin: SemanticVersion, _ host: SemanticVersion) -> String {
        if plugin.prerelease != nil || host.prerelease != nil {
            return "pre-release versions match only themselves"
        }
        if plugin.major != host.major { return "major versions \(plugin.major) and \(host.major) differ" }
        if plugin.major == 0 && plugin.minor != host.minor {
            return "minor versions \(plugin.minor) and \(host.minor) differ, which for 0.x versions is a breaking change"
        }
        return "0.0.x versions match only themselves"
    }
}

/// An interface name as core modules spell it, split into its unversioned part and its version:
/// `plugboard:plugin/host-api@1.1.0` → (`plugboard:plugin/host-api`, 1.1.0).
package struct VersionedInterfaceName: Hashable {
    /// `ns:pkg/iface` (or a bare name).
    package var unversioned: String
    /// The version exactly as written after `@`, if any.
    package var versionText: String?
    /// The parsed version, if `versionText` is a semantic version.
    package var version: SemanticVersion?

    package init(_ text: String) {
        let (base, versionText) = text.splitOnce("@")
        self.unversioned = base
        self.versionText = versionText
        self.version = versionText.flatMap(SemanticVersion.init)
    }

    /// The name as written: `ns:pkg/iface@1.1.0`.
    package var qualified: String { versionText.map { "\(unversioned)@\($0)" } ?? unversioned }

    /// Splits a core export name `ns:pkg/iface@1.0.0#func` into interface and function; `nil` for other names.
    package static func splitExport(_ name: String) -> (interface: VersionedInterfaceName, function: String)? {
        let (interface, function) = name.splitOnce("#")
        guard let function, !function.isEmpty, !interface.isEmpty else { return nil }
        return (VersionedInterfaceName(interface), function)
    }
}
