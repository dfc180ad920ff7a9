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
        let name = "type-\(types.count)"
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
        case .own, .borrow:
            throw PlugboardError.unsupportedComponentFeature("resource handles (not yet)")
        case .function(let parameters, let result):
            let resolvedParameters = try parameters.map { WITParameter($0.name, try value($0.type).0) }
            return .function(parameters: resolvedParameters, results: try result.map { [try value($0).0] } ?? [])
        case .instance(let declarations):
            var inner: [ResolvedType] = []
            var exports: [String: ResolvedType] = [:]
            for declaration in declarations {
                switch declaration {
                case .coreType: break
                case .type(let definition):
                    let type = try resolve(definition, in: inner) { count, index in
                        count == 1 ? try element(types, index, "outer type") : try outer(count - 1, index)
                    }
                    inner.append(type)
                case .alias(let alias):
                    guard case .outer(let count, let index) = alias.target, alias.sort == .type else {
                        throw fail("an instance type declaring an alias other than an outer type alias")
                    }
                    // Inside a type, count 0 is the type itself, 1 the component defining it, 2 the one around that.
                    let type: ResolvedType
                    switch count {
                    case 0: type = try element(inner, index, "outer type")
                    case 1: type = try element(types, index, "outer type")
                    default: type = try outer(count - 1, index)
                    }
                    inner.append(type)
                case .export(let exportName, let descriptor):
                    switch descriptor {
                    case .function(let index): exports[exportName] = try element(inner, index, "type")
                    case .typeEqual(let index):
                        let type = try element(inner, index, "type")
                        inner.append(type)
                        exports[exportName] = type
                    case .resourceType: throw PlugboardError.unsupportedComponentFeature("resource types (not yet)")
                    default: exports[exportName] = .other
                    }
                case .import: throw fail("an import inside an instance type")
                }
            }
            return .instance(exports)
        case .component:
            return .other
        case .resource:
            throw PlugboardError.unsupportedComponentFeature("resource types (not yet)")
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
