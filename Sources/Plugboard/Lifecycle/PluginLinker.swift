/// Checks a module against a WIT world and the host's functions, before anything runs:
/// every export the world requires with the right core signature, every import provided with the right one.
struct PluginLinker {
    let world: WITWorld
    let hostFunctions: [HostFunction]

    /// Where each exported WIT function lives in the module.
    struct ExportBinding: Sendable {
        var interface: WITInterface
        var function: WITFunction
        var coreName: String
    }

    func exportBindings(of description: ModuleDescription) throws -> [ExportBinding] {
        var bindings: [ExportBinding] = []
        for interface in world.exports {
            for function in interface.functions {
                let coreName = interface.coreExportName(of: function.name)
                guard let signature = description.exportedFunction(coreName) else {
                    throw PlugboardError.missingWorldExport(coreName, function: function, world: world.qualifiedName)
                }
                let expected = CanonicalLayout.exportSignature(function)
                guard signature == expected else {
                    throw PlugboardError.exportSignatureMismatch(coreName, function: function, expected: expected, got: signature)
                }
                if let firstUnsupported = (function.parameters.map(\.type) + function.results).lazy.compactMap(\.firstUnsupported).first {
                    throw PlugboardError.unsupportedType(firstUnsupported).inContext(plugin: nil, function: coreName)
                }
                bindings.append(ExportBinding(interface: interface, function: function, coreName: coreName))
            }
        }
        if !description.exportsMemory && bindings.contains(where: { usesMemory($0.function) }) {
            throw PlugboardError.missingCanonicalExport("memory")
        }
        if description.exportedFunction("cabi_realloc") == nil && bindings.contains(where: { needsRealloc(parameters: $0.function.parameters.map(\.type)) }) {
            throw PlugboardError.missingCanonicalExport("cabi_realloc")
        }
        return bindings
    }

    /// The host functions the module imports, checked against its import signatures.
    func importedHostFunctions(of description: ModuleDescription) throws -> [HostFunction] {
        var byName: [String: HostFunction] = [:]
        for function in hostFunctions { byName[function.importName] = function }
        var imported: [HostFunction] = []
        for entry in description.imports where entry.module != WASIPreview1.moduleName {
            guard case .function(let signature) = entry.kind, let function = byName[entry.fullName] else {
                throw PlugboardError.unknownImport(entry, provided: hostFunctions.map(\.importName) + ["\(WASIPreview1.moduleName).*"])
            }
            let expected = CanonicalLayout.importSignature(function.function)
            guard signature == expected else {
                throw PlugboardError.importSignatureMismatch(entry, expected: expected, got: signature)
            }
            if needsRealloc(parameters: function.function.results), description.exportedFunction("cabi_realloc") == nil {
                throw PlugboardError.missingCanonicalExport("cabi_realloc")
            }
            imported.append(function)
        }
        return imported
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

    static func containsAllocation(_ type: WITType) -> Bool {
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
