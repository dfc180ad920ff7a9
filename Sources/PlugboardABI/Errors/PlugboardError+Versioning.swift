/// The messages of interface-version checks at load (and of calling a function a plugin's older interface
/// version lacks): each names the function, both versions compared, and what to do.
extension PlugboardError {
    // MARK: imports

    package static func importMissingFromHostVersion(_ entry: ModuleDescription.Import, hostInterface: String, available: [String]) -> PlugboardError {
        let list = available.isEmpty ? "no functions" : available.joined(separator: ", ")
        return PlugboardError(
            .incompatibleInterface,
            "the plugin imports \(entry.fullName), but this host provides \(hostInterface), which has no function \(entry.name) (it has: \(list))",
            hint: "Rebuild the plugin against \(hostInterface) without using \(entry.name), "
                + "or upgrade the host to a version of \(VersionedInterfaceName(hostInterface).unversioned) that has it")
    }

    package static func incompatibleImportVersion(_ entry: ModuleDescription.Import, hostInterfaces: [String]) -> PlugboardError {
        let imported = VersionedInterfaceName(entry.module)
        let hosts = hostInterfaces.map(VersionedInterfaceName.init).sorted { $0.version! > $1.version! }
        let newest = hosts[0]
        return PlugboardError(
            .incompatibleInterface,
            "the plugin imports \(entry.fullName), but this host provides \(hosts.map(\.qualified).joined(separator: ", ")): "
                + "\(InterfaceCompatibility.reason(imported.version!, newest.version!))",
            hint: "Rebuild the plugin against \(newest.qualified) (any \(InterfaceCompatibility.compatibleRange(of: newest.version!)) version links), "
                + "or run it on a host that provides \(imported.unversioned) \(InterfaceCompatibility.compatibleRange(of: imported.version!))")
    }

    package static func importSignatureMismatch(
        _ entry: ModuleDescription.Import, function: WITFunction, hostInterface: String, expected: CoreSignature, got: CoreSignature
    ) -> PlugboardError {
        PlugboardError(
            .incompatibleInterface,
            "the plugin imports '\(entry.fullName)' as \(got), expected \(expected): \(function.name) in this host's \(hostInterface) is "
                + "\(function.signature) (the plugin was built against \(entry.module); the host knows only its own WIT, "
                + "so it compares the core signatures both lower to)",
            hint: "Rebuild the plugin's bindings from the host's WIT (\(hostInterface))")
    }

    // MARK: exports

    package static func incompatibleExportVersion(_ interface: WITInterface, pluginVersions: [String], world: String) -> PlugboardError {
        let hostVersion = interface.package!.version!
        let newest = pluginVersions.map(VersionedInterfaceName.init).compactMap(\.version).max()!
        return PlugboardError(
            .incompatibleInterface,
            "the plugin exports \(pluginVersions.joined(separator: ", ")), but this host's world \(world) needs \(interface.qualifiedName): "
                + "\(InterfaceCompatibility.reason(newest, hostVersion))",
            hint: "Rebuild the plugin against \(interface.qualifiedName) (any \(InterfaceCompatibility.compatibleRange(of: hostVersion)) version loads), "
                + "or load it in a host whose world exports \(interface.unversionedName) \(InterfaceCompatibility.compatibleRange(of: newest))")
    }

    package static func exportSignatureMismatch(
        _ coreName: String, function: WITFunction, expected: CoreSignature, got: CoreSignature, pluginInterface: String, hostInterface: String
    ) -> PlugboardError {
        let versions = pluginInterface == hostInterface
            ? "plugin and host both use \(hostInterface)"
            : "the plugin was built against \(pluginInterface), the host has \(hostInterface)"
        return PlugboardError(
            .incompatibleInterface,
            "the plugin exports '\(coreName)' as \(got), expected \(expected): \(function.name) in this host's \(hostInterface) is "
                + "\(function.signature) (\(versions); the host knows only its own WIT, so it compares the core signatures both lower to)",
            hint: "Rebuild the plugin's bindings from the host's WIT (\(hostInterface))")
    }

    package static func exportMissingFromNewerVersion(_ coreName: String, function: WITFunction, pluginInterface: String, hostInterface: String) -> PlugboardError {
        PlugboardError(
            .incompatibleInterface,
            "the plugin exports \(pluginInterface) without '\(coreName)' (\(function.signature)), which this host's \(hostInterface) has; "
                + "a later compatible version must keep every function",
            hint: "Export every function of the interface with its canonical-ABI name, or rebuild the plugin against \(hostInterface)")
    }

    // MARK: calls

    package static func functionAbsentFromPluginVersion(_ function: String, pluginInterface: String, hostInterface: String, available: [String]) -> PlugboardError {
        PlugboardError(
            .noSuchFunction,
            "the plugin was built against \(pluginInterface), which has no function '\(function)' (this host's \(hostInterface) has it; "
                + "the plugin exports: \(available.isEmpty ? "none" : available.joined(separator: ", ")))",
            hint: "Rebuild the plugin against \(hostInterface) to call \(function), or do not call it on plugins built for \(pluginInterface)")
    }
}
