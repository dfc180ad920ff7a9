import PlugboardABI
import PlugboardComponents
import PlugboardManifest
import PlugboardWasmKit
/// Checks a module against a WIT world and the host's functions, before anything runs:
/// every export the world requires with the right core signature, every import provided with the right one.
///
/// Interface versions are matched as semver does (see ``InterfaceCompatibility``): a plugin built against another
/// minor or patch version of an interface links if every function it uses agrees on its core signature. The
/// host knows only its own WIT, so core signatures are what it compares.
package struct PluginLinker {
    package let world: WITWorld
    package let hostFunctions: [HostFunction]

    /// Where each exported WIT function lives in the module.
    package struct ExportBinding: Sendable {
        /// The host's interface and function (their WIT types lift and lower the values).
        package var interface: WITInterface
        package var function: WITFunction
        /// The plugin's export name, with the interface version the plugin was built against.
        package var coreName: String
        /// The interface as the plugin exports it (`ns:pkg/iface@1.0.0`); differs from the host's
        /// `interface.qualifiedName` when the plugin was built against another compatible version.
        package var pluginInterface: String
    }

    /// A function of the host's exported interface that the plugin, built against an older compatible version of
    /// the interface, does not export. Loading tolerates it; calling it fails with a clear error.
    package struct AbsentExport: Sendable {
        package var interface: WITInterface
        package var function: WITFunction
        package var pluginInterface: String
    }

    /// The outcome of checking a module's exports.
    package struct Exports: Sendable {
        package var bindings: [ExportBinding]
        package var absent: [AbsentExport]
    }

    /// `description` with the WIT functions its binary declares: a component's are already there; a core
    /// module's come from its `component-type:*` custom sections, when it has any.
    /// - Throws: ``PlugboardError`` (`invalidComponent`) for a malformed `component-type` section.
    package static func declaringWITTypes(_ description: ModuleDescription) throws -> ModuleDescription {
        guard description.declaredFunctions == nil, !description.componentTypeSections.isEmpty else { return description }
        var declared = DeclaredWITFunctions()
        for section in description.componentTypeSections {
            let decoded = try DeclaredTypes.decode(componentTypeSection: section)
            declared.imports.merge(decoded.imports) { first, _ in first }
            declared.exports.merge(decoded.exports) { first, _ in first }
        }
        var result = description
        result.declaredFunctions = declared
        return result
    }

    package func exportBindings(of description: ModuleDescription) throws -> [ExportBinding] {
        try linkExports(of: description).bindings
    }

    package func linkExports(of description: ModuleDescription) throws -> Exports {
        var bindings: [ExportBinding] = []
        var absent: [AbsentExport] = []
        for interface in world.exports {
            let exported = try pluginVersion(ofExported: interface, in: description)
            for function in interface.functions {
                let coreName = interface.name == nil ? function.name : "\(exported.qualified)#\(function.name)"
                guard let signature = description.exportedFunction(coreName) else {
                    if let pluginVersion = exported.version, let hostVersion = interface.package?.version, pluginVersion < hostVersion {
                        absent.append(AbsentExport(interface: interface, function: function, pluginInterface: exported.qualified))
                        continue
                    }
                    if exported.qualified == interface.qualifiedName {
                        throw PlugboardError.missingWorldExport(coreName, function: function, world: world.qualifiedName)
                    }
                    throw PlugboardError.exportMissingFromNewerVersion(
                        coreName, function: function, pluginInterface: exported.qualified, hostInterface: interface.qualifiedName)
                }
                if let declared = description.declaredFunctions?.exports[coreName],
                    let difference = WITTypeDifference.between(plugin: declared, host: function)
                {
                    throw PlugboardError.witTypeMismatch(
                        "exports", function: function.name, pluginInterface: interface.name == nil ? nil : exported.qualified,
                        hostInterface: interface.name == nil ? nil : interface.qualifiedName, difference: difference)
                }
                let expected = CanonicalLayout.exportSignature(function)
                guard signature == expected else {
                    throw PlugboardError.exportSignatureMismatch(
                        coreName, function: function, expected: expected, got: signature,
                        pluginInterface: exported.qualified, hostInterface: interface.qualifiedName)
                }
                if let firstUnsupported = (function.parameters.map(\.type) + function.results).lazy.compactMap(\.firstUnsupported).first {
                    throw PlugboardError.unsupportedType(firstUnsupported).inContext(plugin: nil, function: coreName)
                }
                bindings.append(ExportBinding(interface: interface, function: function, coreName: coreName, pluginInterface: exported.qualified))
            }
        }
        if !description.exportsMemory && bindings.contains(where: { usesMemory($0.function) }) {
            throw PlugboardError.missingCanonicalExport("memory")
        }
        if description.exportedFunction("cabi_realloc") == nil && bindings.contains(where: { needsRealloc(parameters: $0.function.parameters.map(\.type)) }) {
            throw PlugboardError.missingCanonicalExport("cabi_realloc")
        }
        return Exports(bindings: bindings, absent: absent)
    }

    /// The version of `interface` the plugin exports: the host's own if the plugin exports it (or exports no
    /// version of it at all, so that the missing function is reported), else the highest compatible one.
    /// - Throws: `incompatibleInterface` if the plugin exports the interface only at incompatible versions.
    private func pluginVersion(ofExported interface: WITInterface, in description: ModuleDescription) throws -> VersionedInterfaceName {
        let host = VersionedInterfaceName(interface.qualifiedName)
        guard interface.name != nil, let hostVersion = interface.package?.version else { return host }
        var versions: [VersionedInterfaceName] = []
        for export in description.exports {
            guard case .function = export.kind, let (exported, _) = VersionedInterfaceName.splitExport(export.name),
                exported.unversioned == host.unversioned, exported.version != nil, !versions.contains(exported)
            else { continue }
            versions.append(exported)
        }
        if versions.isEmpty || versions.contains(host) { return host }
        let compatible = versions.filter { InterfaceCompatibility.isCompatible($0.version!, with: hostVersion) }
        guard let best = compatible.max(by: { $0.version! < $1.version! }) else {
            throw PlugboardError.incompatibleExportVersion(
                interface, pluginVersions: versions.map(\.qualified).sorted(), world: world.qualifiedName)
        }
        return best
    }

    /// The host functions the module imports, checked against its import signatures. Each is addressed by the
    /// plugin's import module, which may name another compatible version of the host's interface.
    package func importedHostFunctions(of description: ModuleDescription) throws -> [HostFunction] {
        var byName: [String: HostFunction] = [:]
        for function in hostFunctions { byName[function.importName] = function }
        var imported: [HostFunction] = []
        var unknown: [ModuleDescription.Import] = []  // all of them are named, not only the first
        for entry in description.imports where entry.module != WASIPreview1.moduleName && !Self.isServedWASI2(entry, of: description) {
            guard case .function(let signature) = entry.kind else {
                throw PlugboardError.unknownImport(entry, provided: providedNames)
            }
            var function: HostFunction
            do {
                function = try byName[entry.fullName] ?? compatibleHostFunction(for: entry, byName: byName)
            } catch let error as PlugboardError where error.code == .unknownImport {
                unknown.append(entry)
                continue
            }
            if let declared = description.declaredFunctions?.imports[entry.fullName],
                let difference = WITTypeDifference.between(plugin: declared, host: function.function)
            {
                throw PlugboardError.witTypeMismatch(
                    "imports", function: entry.name, pluginInterface: entry.module == "$root" ? nil : entry.module,
                    hostInterface: function.module == "$root" ? nil : function.module, difference: difference)
            }
            let expected = CanonicalLayout.importSignature(function.function)
            guard signature == expected else {
                if function.module == entry.module {
                    throw PlugboardError.importSignatureMismatch(entry, expected: expected, got: signature)
                }
                throw PlugboardError.importSignatureMismatch(entry, function: function.function, hostInterface: function.module, expected: expected, got: signature)
            }
            if needsRealloc(parameters: function.function.results), description.exportedFunction("cabi_realloc") == nil {
                throw PlugboardError.missingCanonicalExport("cabi_realloc")
            }
            function.module = entry.module
            imported.append(function)
        }
        // Interfaces imported without a function called (types only, or resources) must be provided too.
        let provided = Set(hostFunctions.map { VersionedInterfaceName($0.module).unversioned })
        var missing = unknown.map(\.module)
        for interface in description.declaredFunctions?.importedInterfaces ?? []
        where !provided.contains(VersionedInterfaceName(interface).unversioned) && !WASIPreview2.serves(interface) && !missing.contains(interface) {
            missing.append(interface)
        }
        if unknown.count == 1 && Set(missing).count == 1 { throw PlugboardError.unknownImport(unknown[0], provided: providedNames) }
        if !missing.isEmpty { throw PlugboardError.unknownImports(unknown, interfaces: missing, provided: providedNames) }
        return imported
    }

    /// Whether `entry` is a WASI 0.2 function Plugboard serves itself: one of a `wasi:*@0.2.x` interface whose WIT
    /// type the binary declares (a component's imports always are).
    package static func isServedWASI2(_ entry: ModuleDescription.Import, of description: ModuleDescription) -> Bool {
        WASIPreview2.serves(entry.module) && description.declaredFunctions?.imports[entry.fullName] != nil
    }

    /// The WASI 0.2 functions `description` imports (see ``isServedWASI2(_:of:)``), with their declared WIT types.
    package static func wasi2Imports(of description: ModuleDescription) -> [(interface: String, function: WITFunction)] {
        description.imports.compactMap { entry in
            guard isServedWASI2(entry, of: description), let function = description.declaredFunctions?.imports[entry.fullName] else { return nil }
            return (entry.module, function)
        }
    }

    /// The host function an import names at another version of a host interface: the same function of the
    /// highest compatible version the host provides.
    /// - Throws: `unknownImport` if the host has no version of the interface (or has the plugin's exact version
    ///   without the function), `incompatibleInterface` if it has only incompatible versions or its compatible
    ///   version lacks the function.
    private func compatibleHostFunction(for entry: ModuleDescription.Import, byName: [String: HostFunction]) throws -> HostFunction {
        let imported = VersionedInterfaceName(entry.module)
        var hostInterfaces: [VersionedInterfaceName] = []
        for function in hostFunctions {
            let name = VersionedInterfaceName(function.module)
            if name.unversioned == imported.unversioned, name.version != nil, !hostInterfaces.contains(name) { hostInterfaces.append(name) }
        }
        guard let pluginVersion = imported.version, !hostInterfaces.isEmpty else {
            throw PlugboardError.unknownImport(entry, provided: providedNames)
        }
        let compatible = hostInterfaces.filter { InterfaceCompatibility.isCompatible(pluginVersion, with: $0.version!) }
        let newestFirst = compatible.sorted { $0.version! > $1.version! }
        if let function = newestFirst.lazy.compactMap({ byName["\($0.qualified).\(entry.name)"] }).first {
            return function
        }
        guard let newest = newestFirst.first else {
            throw PlugboardError.incompatibleImportVersion(entry, hostInterfaces: hostInterfaces.map(\.qualified))
        }
        if newest.qualified == entry.module { throw PlugboardError.unknownImport(entry, provided: providedNames) }
        let available = hostFunctions.filter { $0.module == newest.qualified }.map(\.function.name)
        throw PlugboardError.importMissingFromHostVersion(entry, hostInterface: newest.qualified, available: available)
    }

    private var providedNames: [String] {
        hostFunctions.map(\.importName) + ["\(WASIPreview1.moduleName).*", "wasi:*@0.2.*"]
    }

    /// Whether calling the function touches guest memory: strings and lists live there, and so do spilled
    /// parameters and multi-value results.
    private func usesMemory(_ function: WITFunction) -> Bool {
        let parameters = function.parameters.map(\.type)
        return needsRealloc(parameters: parameters) || needsRealloc(parameters: function.results)
            || parameters.flatMap(CanonicalLayout.flatten).count > CanonicalLayout.maxFlatParams
            || function.results.flatMap(CanonicalLayout.flatten).count > CanonicalLayout.maxFlatResults
    }

    /// Whether lowering values of these types into the guest allocates (strings and lists do).
    private func needsRealloc(parameters types: [WITType]) -> Bool {
        types.contains(where: Self.containsAllocation)
    }

    package static func containsAllocation(_ type: WITType) -> Bool {
        switch type {
        case .string, .list: return true
        case .record(_, let fields): return fields.contains { containsAllocation($0.type) }
        case .tuple(let elements): return elements.contains(where: containsAllocation)
        case .option(let wrapped): return containsAllocation(wrapped)
        case .result(let ok, let error): return ok.map(containsAllocation) ?? false || error.map(containsAllocation) ?? false
        case .variant(_, let cases): return cases.contains { $0.payload.map(containsAllocation) ?? false }
        default: return false
        }
    }
}
