import PlugboardABI

/// The WIT functions a binary declares, under the core names the canonical ABI gives them (see
/// ``DeclaredWITFunctions``): a component's from its plan, a core module's from its `component-type:*` custom
/// section (the encoded world wit-bindgen and `wasm-tools component embed` attach).
package enum DeclaredTypes {
    /// What a planned component imports and exports.
    package static func of(_ plan: ComponentPlan) -> DeclaredWITFunctions {
        var declared = DeclaredWITFunctions(importedInterfaces: plan.importedInterfaces)
        for entry in plan.lowered { declared.imports["\(entry.coreModule).\(entry.function.name)"] = entry.function }
        for entry in plan.exports { declared.exports[entry.coreName] = entry.function }
        return declared
    }

    /// The world encoded in a `component-type:*` custom section: a component exporting a component type whose one
    /// export is the world's component type.
    /// - Throws: ``PlugboardError`` (`invalidComponent`) when the section is malformed or holds no world.
    package static func decode(componentTypeSection payload: [UInt8]) throws -> DeclaredWITFunctions {
        let parsed = try ComponentParser.parse(payload)
        var types: [ComponentPlanner.ResolvedType] = []
        var world: ComponentPlanner.ResolvedType?
        for definition in parsed.definitions {
            switch definition {
            case .type(let type):
                types.append(try ComponentPlanner.resolve(type, in: types) { count, _ in throw ComponentPlanner.fail("an outer alias \(count) levels out of 1") })
            case .export(_, let item, _) where item.sort == .type:
                guard case .component(_, let exports) = try ComponentPlanner.element(types, item.index, "type"), exports.count == 1,
                    case .component? = exports.values.first
                else { continue }
                world = exports.values.first
            default:
                continue
            }
        }
        guard case .component(let imports, let exports)? = world else {
            throw PlugboardError.invalidComponent("the component-type section exports no world (a component type exporting one component type)")
        }
        var declared = DeclaredWITFunctions()
        for (name, type) in imports.sorted(by: { $0.key < $1.key }) {
            if case .instance = type { declared.importedInterfaces.append(name) }
            add(type, named: name, member: { "\(name).\($0)" }, bare: "$root.\(name)", to: &declared.imports)
        }
        for (name, type) in exports {
            add(type, named: name, member: { "\(name)#\($0)" }, bare: name, to: &declared.exports)
        }
        return declared
    }

    /// The functions of a world's import or export `name` under their core names: an instance's members keyed by
    /// `member(function)`, a bare function by `bare`; types carry no functions.
    private static func add(
        _ type: ComponentPlanner.ResolvedType, named name: String, member: (String) -> String, bare: String, to functions: inout [String: WITFunction]
    ) {
        switch type {
        case .instance(let members):
            for case (let function, .function(let parameters, let results)) in members {
                functions[member(function)] = WITFunction(name: function, parameters: parameters, results: results)
            }
        case .function(let parameters, let results):
            functions[bare] = WITFunction(name: name, parameters: parameters, results: results)
        default:
            break
        }
    }
}
