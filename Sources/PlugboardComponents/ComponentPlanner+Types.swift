import PlugboardABI

/// Type definitions resolved to the canonical ABI's ``WITType``s, each against the types defined before it (so a
/// reference is a lookup, never a recursion), with the resolved size bounded.
extension ComponentPlanner {
    /// Resolves `definition` in a component (or type) whose types so far are `types`.
    /// - Parameter outer: Type `index` of the component (or type) `count` levels out from this one (1: the one
    ///   enclosing it), for outer aliases inside instance types.
    static func resolve(
        _ definition: ComponentTypeDefinition, in types: [ResolvedType], outer: (_ count: UInt32, _ index: UInt32) throws -> ResolvedType
    ) throws -> ResolvedType {
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
        let name = "type-\(types.count)"
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
