import PlugboardABI

/// Type definitions resolved to the canonical ABI's ``WITType``s, each against the types defined before it (so a
/// reference is a lookup, never a recursion), with the resolved size and nesting bounded (the host walks a type
/// recursively to lay it out, and releasing one is recursive too: a chain of 100,000 lists would overflow a thread's
/// stack).
extension ComponentPlanner {
    /// How big a resolved value type is: its nodes, and how deep they nest.
    struct TypeShape {
        var size = 1
        var depth = 1

        /// A node holding types of these shapes.
        init(_ children: [TypeShape] = []) {
            size = 1 + children.reduce(0) { $0 + $1.size }
            depth = 1 + (children.map(\.depth).max() ?? 0)
        }
    }

    /// Resolves `definition` in a component (or type) whose types so far are `types`.
    /// - Parameter outer: Type `index` of the component (or type) `count` levels out from this one (1: the one
    ///   enclosing it), for outer aliases inside instance types.
    static func resolve(
        _ definition: ComponentTypeDefinition, in types: [ResolvedType], outer: (_ count: UInt32, _ index: UInt32) throws -> ResolvedType
    ) throws -> ResolvedType {
        func value(_ type: ComponentValueType) throws -> (WITType, TypeShape) {
            switch type {
            case .primitive(let primitive): return (primitiveType(primitive), TypeShape())
            case .index(let index):
                guard case .value(let resolved, let shape) = try element(types, index, "type") else {
                    throw fail("type \(index) is used as a value type but is not one")
                }
                return (resolved, shape)
            }
        }
        func bounded(_ type: WITType, _ children: [TypeShape]) throws -> ResolvedType {
            let shape = TypeShape(children)
            guard shape.size <= maxTypeSize else { throw fail("a type of more than \(maxTypeSize) nodes once its references are resolved") }
            guard shape.depth <= maxTypeDepth else { throw fail("a type nested more than \(maxTypeDepth) deep once its references are resolved") }
            return .value(type, shape)
        }
        let name = ""  // anonymous until a type export names it; an unnamed type is spelled by its structure
        switch definition {
        case .primitive(let primitive): return .value(primitiveType(primitive), TypeShape())
        case .record(let fields):
            var shapes: [TypeShape] = []
            let resolved = try fields.map { field -> WITField in
                let (type, shape) = try value(field.type)
                shapes.append(shape)
                return WITField(field.name, type)
            }
            return try bounded(.record(name: name, fields: resolved), shapes)
        case .variant(let cases):
            var shapes: [TypeShape] = []
            let resolved = try cases.map { witCase -> WITCase in
                guard let payload = witCase.type else { return WITCase(witCase.name) }
                let (type, shape) = try value(payload)
                shapes.append(shape)
                return WITCase(witCase.name, type)
            }
            return try bounded(.variant(name: name, cases: resolved), shapes)
        case .list(let element):
            let (type, shape) = try value(element)
            return try bounded(.list(type), [shape])
        case .tuple(let elements):
            var shapes: [TypeShape] = []
            let resolved = try elements.map { element -> WITType in
                let (type, shape) = try value(element)
                shapes.append(shape)
                return type
            }
            return try bounded(.tuple(resolved), shapes)
        case .flags(let names): return .value(.flags(name: name, flags: names), TypeShape())
        case .enum(let names): return .value(.enum(name: name, cases: names), TypeShape())
        case .option(let wrapped):
            let (type, shape) = try value(wrapped)
            return try bounded(.option(type), [shape])
        case .result(let ok, let error):
            let okType = try ok.map(value)
            let errorType = try error.map(value)
            return try bounded(.result(ok: okType?.0, error: errorType?.0), [okType?.1, errorType?.1].compactMap { $0 })
        case .own(let index), .borrow(let index):
            guard case .resource(let resource, _) = try element(types, index, "type") else {
                throw fail("a handle to type \(index), which is not a resource type")
            }
            if case .own = definition { return .value(.own(WITResourceType(resource)), TypeShape()) }
            return .value(.borrow(WITResourceType(resource)), TypeShape())
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
                case .type(let definition):
                    let type = try resolve(definition, in: inner) { count, index in
                        count == 1 ? try element(types, index, "outer type") : try outer(count - 1, index)
                    }
                    inner.append(type)
                case .alias(let alias) where alias.sort == .type:
                    switch alias.target {
                    case .outer(let count, let index):
                        // Inside a type, count 0 is the type itself, 1 the component defining it, 2 the one around that.
                        let type: ResolvedType
                        switch count {
                        case 0: type = try element(inner, index, "outer type")
                        case 1: type = try element(types, index, "outer type")
                        default: type = try outer(count - 1, index)
                        }
                        inner.append(type)
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
                    throw fail("an instance type declaring an alias other than an outer type alias")
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
            throw fail("a resource type defined inside an instance or component type (only a component defines resources)")
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
            inner.append(.resource(name, definition: nil))
            return .resource(name, definition: nil)
        case .coreModule, .value:
            return .other
        }
    }

    /// `type` under `name` when it is a nominal WIT type (record, variant, enum, flags).
    private static func named(_ type: ResolvedType, _ name: String) -> ResolvedType {
        guard case .value(let value, let shape) = type else { return type }
        switch value {
        case .record(_, let fields): return .value(.record(name: name, fields: fields), shape)
        case .variant(_, let cases): return .value(.variant(name: name, cases: cases), shape)
        case .enum(_, let cases): return .value(.enum(name: name, cases: cases), shape)
        case .flags(_, let flags): return .value(.flags(name: name, flags: flags), shape)
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
