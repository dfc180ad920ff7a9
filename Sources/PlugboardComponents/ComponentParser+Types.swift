import PlugboardABI

/// Type definitions: value types, function types, component and instance types (nested, depth-bounded) and
/// resource types.
extension ComponentParser {
    static func valueType(_ reader: inout ComponentReader) throws -> ComponentValueType {
        let value = try reader.s33()
        if value >= 0 { return .index(UInt32(value)) }
        let opcode = UInt8(truncatingIfNeeded: value & 0x7F)
        if let primitive = WITPrimitive(rawValue: opcode) { return .primitive(primitive) }
        if opcode == 0x64 { throw PlugboardError.unsupportedComponentFeature("the error-context type") }
        throw reader.error("unknown value type 0x\(String(opcode, radix: 16))")
    }

    static func coreType(_ reader: inout ComponentReader) throws -> (parameters: [CoreType], results: [CoreType]) {
        let form = try reader.byte()
        guard form == 0x60 else {
            throw PlugboardError.unsupportedComponentFeature(form == 0x50 || form == 0x00 ? "a core module type (module imports)" : "core type form 0x\(String(form, radix: 16))")
        }
        func types(_ reader: inout ComponentReader) throws -> [CoreType] {
            let count = try reader.count("core value types")
            return try (0..<count).map { _ in
                switch try reader.byte() {
                case 0x7F: return .i32
                case 0x7E: return .i64
                case 0x7D: return .f32
                case 0x7C: return .f64
                case let other: throw PlugboardError.unsupportedComponentFeature("core value type 0x\(String(other, radix: 16))")
                }
            }
        }
        return (try types(&reader), try types(&reader))
    }

    static func typeDefinition(_ reader: inout ComponentReader, depth: Int, limits: Limits, budget: inout Int) throws -> ComponentTypeDefinition {
        let opcode = try reader.peek()
        switch opcode {
        case 0x40:
            _ = try reader.byte()
            let count = try reader.count("function parameters", minimumBytes: 2)
            var parameters: [(name: String, type: ComponentValueType)] = []
            for _ in 0..<count { parameters.append((try reader.name(), try valueType(&reader))) }
            switch try reader.byte() {
            case 0x00: return .function(parameters: parameters, result: try valueType(&reader))
            case 0x01:
                let named = try reader.count("named function results", minimumBytes: 2)
                guard named == 0 else { throw PlugboardError.unsupportedComponentFeature("named function results") }
                return .function(parameters: parameters, result: nil)
            case let other: throw reader.error("unknown function result list 0x\(String(other, radix: 16))")
            }
        case 0x43:
            throw PlugboardError.unsupportedComponentFeature("an async function type")
        case 0x41, 0x42:
            _ = try reader.byte()
            guard depth + 1 < limits.maxDepth else { throw reader.error("component types nested more than \(limits.maxDepth) deep") }
            let count = try reader.count(opcode == 0x41 ? "component type declarations" : "instance type declarations")
            budget -= count
            guard budget >= 0 else { throw PlugboardError.invalidComponent("more than \(limits.maxDefinitions) definitions") }
            var declarations: [ComponentTypeDeclaration] = []
            for _ in 0..<count {
                declarations.append(try declaration(&reader, inComponentType: opcode == 0x41, depth: depth + 1, limits: limits, budget: &budget))
            }
            return opcode == 0x41 ? .component(declarations) : .instance(declarations)
        case 0x3F:
            _ = try reader.byte()
            try reader.expect(0x7F, "a resource's i32 representation")
            return .resource(destructor: try reader.optional { try $0.u32() })
        case 0x3E:
            throw PlugboardError.unsupportedComponentFeature("an async resource destructor")
        default:
            return try definedValueType(&reader)
        }
    }

    static func definedValueType(_ reader: inout ComponentReader) throws -> ComponentTypeDefinition {
        let opcode = try reader.byte()
        if let primitive = WITPrimitive(rawValue: opcode) { return .primitive(primitive) }
        switch opcode {
        case 0x72:
            let count = try reader.count("record fields", minimumBytes: 2)
            guard count > 0 else { throw reader.error("a record without fields") }
            var fields: [(name: String, type: ComponentValueType)] = []
            for _ in 0..<count { fields.append((try reader.name(), try valueType(&reader))) }
            return .record(fields)
        case 0x71:
            let count = try reader.count("variant cases", minimumBytes: 3)
            guard count > 0 else { throw reader.error("a variant without cases") }
            var cases: [(name: String, type: ComponentValueType?)] = []
            for _ in 0..<count {
                let name = try reader.name()
                let type = try reader.optional { try valueType(&$0) }
                guard try reader.byte() == 0x00 else { throw PlugboardError.unsupportedComponentFeature("a variant case that refines another") }
                cases.append((name, type))
            }
            return .variant(cases)
        case 0x70: return .list(try valueType(&reader))
        case 0x67: throw PlugboardError.unsupportedComponentFeature("a fixed-length list")
        case 0x6F:
            let count = try reader.count("tuple elements")
            return .tuple(try (0..<count).map { _ in try valueType(&reader) })
        case 0x6E, 0x6D:
            let count = try reader.count(opcode == 0x6E ? "flags" : "enum cases")
            let names = try (0..<count).map { _ in try reader.name() }
            if opcode == 0x6E {
                guard names.count <= 32 * 8 else { throw reader.error("more than 256 flags") }
                return .flags(names)
            }
            guard !names.isEmpty else { throw reader.error("an enum without cases") }
            return .enum(names)
        case 0x6B: return .option(try valueType(&reader))
        case 0x6A:
            let ok = try reader.optional { try valueType(&$0) }
            return .result(ok: ok, error: try reader.optional { try valueType(&$0) })
        case 0x69: return .own(try reader.u32())
        case 0x68: return .borrow(try reader.u32())
        case 0x66: throw PlugboardError.unsupportedComponentFeature("the stream type")
        case 0x65: throw PlugboardError.unsupportedComponentFeature("the future type")
        case 0x64: throw PlugboardError.unsupportedComponentFeature("the error-context type")
        default: throw reader.error("unknown type definition 0x\(String(opcode, radix: 16))")
        }
    }

    static func declaration(
        _ reader: inout ComponentReader, inComponentType: Bool, depth: Int, limits: Limits, budget: inout Int
    ) throws -> ComponentTypeDeclaration {
        switch try reader.byte() {
        case 0x00:
            let (parameters, results) = try coreType(&reader)
            return .coreType(parameters: parameters, results: results)
        case 0x01: return .type(try typeDefinition(&reader, depth: depth, limits: limits, budget: &budget))
        case 0x02: return .alias(try alias(&reader))
        case 0x03 where inComponentType:
            let name = try externName(&reader)
            return .import(name: name, type: try externDescriptor(&reader))
        case 0x04:
            let name = try externName(&reader)
            return .export(name: name, type: try externDescriptor(&reader))
        case let other:
            throw reader.error("unknown \(inComponentType ? "component" : "instance") type declaration 0x\(String(other, radix: 16))")
        }
    }
}
