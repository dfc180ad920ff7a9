import PlugboardABI

/// Type definitions resolved to the canonical ABI's ``WITType``s, each against the types defined before it (so a
/// reference is a lookup, never a recursion), with the resolved size bounded.
extension ComponentPlanner {
    /// Resolves `definition` against `types`, the index space it is defined in; `outer` are the index spaces
    /// around that one, outermost first (the enclosing components' and, inside a type, the enclosing types').
    static func resolve(_ definition: ComponentTypeDefinition, in types: [ResolvedType], outer: [[ResolvedType]]) throws -> ResolvedType {
        func value(_ type: ComponentValueType) throws -> (WITType, Int) {
            switch type {
            case .primitive(let primitive): return (primitiveType(primitive), 1)
            case .index(let index):
                guard case .value(let resolved, let size) = try element(types, index, "type") else {
                    throw fail("type \(index) is used as a value type but is not one")
                }
                return (resolved, size)
            }
        }
        func bounded(_ type: WITType, _ size: Int) throws -> ResolvedType {
            guard size <= maxTypeSize else { throw fail("a type of more than \(maxTypeSize) nodes once its references are resolved") }
            return .value(type, size: size)
        }
        let name = ""  // anonymous until a type export names it; an unnamed type is spelled by its structure
        switch definition {
        case .primitive(let primitive): return .value(primitiveType(primitive), size: 1)
        case .record(let fields):
            var size = 1
            let resolved = try fields.map { field -> WITField in
                let (type, fieldSize) = try value(field.type)
                size += fieldSize
                return WITField(field.name, type)
            }
            return try bounded(.record(name: name, fields: resolved), size)
        case .variant(let cases):
            var size = 1
            let resolved = try cases.map { witCase -> WITCase in
                guard let payload = witCase.type else { return WITCase(witCase.name) }
                let (type, caseSize) = try value(payload)
                size += caseSize
                return WITCase(witCase.name, type)
            }
            return try bounded(.variant(name: name, cases: resolved), size)
        case .list(let element):
            let (type, size) = try value(element)
            return try bounded(.list(type), size + 1)
        case .tuple(let elements):
            var size = 1
            let resolved = try elements.map { element -> WITType in
                let (type, elementSize) = try value(element)
                size += elementSize
                return type
            }
            return try bounded(.tuple(resolved), size)
        case .flags(let names): return .value(.flags(name: name, flags: names), size: 1)
        case .enum(let names): return .value(.enum(name: name, cases: names), size: 1)
        case .option(let wrapped):
            let (type, size) = try value(wrapped)
            return try bounded(.option(type), size + 1)
        case .result(let ok, let error):
            let okType = try ok.map(value)
            let errorType = try error.map(value)
            return try bounded(.result(ok: okType?.0, error: errorType?.0), 1 + (okType?.1 ?? 0) + (errorType?.1 ?? 0))
        case .own(let index), .borrow(let index):
            guard case .resource(let resource, _) = try element(types, index, "type") else {
                throw fail("a handle to type \(index), which is not a resource type")
            }
            if case .own = definition { return .value(.own(WITResourceType(resource)), size: 1) }
            return .value(.borrow(WITResourceType(resource)), size: 1)
        case .function(let parameters, let result):
            let resolvedParameters = try parameters.map { WITParameter($0.name, try value($0.type).0) }
            return .function(parameters: resolvedParameters, results: try result.map { [try value($0).0] } ?? [])
        case .instance(let declarations), .component(let declarations):
            let isComponent = if case .component = definition { true } else { false }
            var inner: [ResolvedType] = []
            var imports: [String: ResolvedType] = [:]
            var exports: [String: ResolvedType] = [:]
            var instances: [ResolvedType] = []  // the type's instance index space: its instance imports and exports
            for declaration in declarations {
                switch declaration {
                case .coreType: break
                case .type(let definition): inner.append(try resolve(definition, in: inner, outer: outer + [types]))
                case .alias(let alias) where alias.sort == .type:
                    switch alias.target {
                    case .outer(let count, let index):
                        // Inside a type, count 0 is the type itself, 1 the space defining it, 2 the one around that.
                        guard Int(count) <= outer.count + 1 else { throw fail("an outer alias \(count) levels out of \(outer.count + 1)") }
                        let space = count == 0 ? inner : count == 1 ? types : outer[outer.count - Int(count) + 1]
                        inner.append(try element(space, index, "outer type"))
                    case .export(let instance, let name):
                        // A type an imported instance exports (a world's functions use its interfaces' types).
                        guard case .instance(let members) = try element(instances, instance, "instance") else {
                            throw fail("an alias of an export of instance \(instance), which is not an instance type")
                        }
                        guard let member = members[name] else { throw fail("instance \(instance) of a type exports no '\(name)'") }
                        inner.append(member)
                    case .coreExport:
                        throw fail("a core export alias inside a type")
                    }
                case .alias:
                    throw fail("a type declaring an alias of something other than a type")
                case .export(let exportName, let descriptor):
                    let type = try declared(descriptor, named: exportName, in: &inner)
                    exports[exportName] = type
                    if case .instance = descriptor { instances.append(type) }
                case .import(let importName, let descriptor):
                    guard isComponent else { throw fail("an import inside an instance type") }
                    let type = try declared(descriptor, named: importName, in: &inner)
                    imports[importName] = type
                    if case .instance = descriptor { instances.append(type) }
                }
            }
            return isComponent ? .component(imports: imports, exports: exports) : .instance(exports)
        case .resource:
            return .resource("resource-\(types.count)", defined: true)
        }
    }

    /// What an import or export declared inside a component or instance type is; a type it introduces (a type
    /// export, a fresh resource) is added to the type's own index space. Exported value types take their export
    /// name, so messages say `process-request` rather than `type-4`.
    private static func declared(_ descriptor: ExternDescriptor, named name: String, in inner: inout [ResolvedType]) throws -> ResolvedType {
        switch descriptor {
        case .function(let index), .instance(let index), .component(let index):
            return try element(inner, index, "type")
        case .typeEqual(let index):
            let type = named(try element(inner, index, "type"), name)
            inner.append(type)
            return type
        case .resourceType:
            inner.append(.resource(name, defined: false))
            return .resource(name, defined: false)
        case .coreModule, .value:
            return .other
        }
    }

    /// `type` under `name` when it is a nominal WIT type (record, variant, enum, flags).
    private static func named(_ type: ResolvedType, _ name: String) -> ResolvedType {
        guard case .value(let value, let size) = type else { return type }
        switch value {
        case .record(_, let fields): return .value(.record(name: name, fields: fields), size: size)
        case .variant(_, let cases): return .value(.variant(name: name, cases: cases), size: size)
        case .enum(_, let cases): return .value(.enum(name: name, cases: cases), size: size)
        case .flags(_, let flags): return .value(.flags(name: name, flags: flags), size: size)
        default: return type
        }
    }

    static func primitiveType(_ primitive: WITPrimitive) -> WITType {
        switch primitive {
        case .bool: .bool
        case .s8: .s8
        case .u8: .u8
        case .s16: .s16
        case .u16: .u16
        case .s32: .s32
        case .u32: .u32
        case .s64: .s64
        case .u64: .u64
        case .f32: .f32
        case .f64: .f64
        case .char: .char
        case .string: .string
        }
    }
}
