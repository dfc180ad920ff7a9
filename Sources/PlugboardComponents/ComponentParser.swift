import PlugboardABI

/// Parses the component binary format, bounded for hostile input: every read is checked against the end of its
/// section, every count against the bytes left, nested components and nested component types against a depth
/// limit (counted before recursing, so 10,000 levels cost nothing), and the total number of definitions against
/// a cap. Parsing costs at most linear work in the input's size.
public enum ComponentParser {
    /// Bounds for parsing.
    public struct Limits: Sendable {
        /// How deep components and component types may nest (wit-component emits 1 to 3 levels).
        public var maxDepth: Int
        /// The most definitions in all components of the binary together.
        public var maxDefinitions: Int

        public init(maxDepth: Int = 16, maxDefinitions: Int = 1_000_000) {
            self.maxDepth = maxDepth
            self.maxDefinitions = maxDefinitions
        }
    }

    /// The preamble of a component: `\0asm`, version 0x0d, layer 1.
    public static let preamble: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00]

    /// Whether `bytes` start like a component (not a core module).
    public static func isComponent(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[0..<8]) == preamble
    }

    /// Parses `bytes` as a component.
    /// - Throws: ``PlugboardError`` (`invalidModule`): malformed input naming the byte offset, or a construct
    ///   Plugboard does not run, named.
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws -> ParsedComponent {
        var reader = ComponentReader(bytes: bytes)
        var budget = limits.maxDefinitions
        return try parseComponent(&reader, depth: 0, limits: limits, budget: &budget)
    }

    private static func parseComponent(_ reader: inout ComponentReader, depth: Int, limits: Limits, budget: inout Int) throws -> ParsedComponent {
        for expected in preamble {
            guard try reader.byte() == expected else {
                throw reader.error("not a component preamble (\\0asm, version 0x0d, layer 1)")
            }
        }
        var definitions: [ComponentDefinition] = []
        while !reader.isAtEnd {
            let id = try reader.byte()
            let size = Int(try reader.u32())
            guard size <= reader.remaining else { throw reader.error("section \(id) of \(size) bytes with only \(reader.remaining) left") }
            var section = ComponentReader(bytes: reader.bytes, offset: reader.offset, end: reader.offset + size)
            let sectionStart = reader.offset
            _ = try reader.range(size)
            func charge(_ count: Int) throws {
                budget -= count
                guard budget >= 0 else { throw PlugboardError.invalidComponent("more than \(limits.maxDefinitions) definitions") }
            }
            switch id {
            case 0:
                try charge(1)
                definitions.append(.custom(try section.name()))
                continue  // the rest of a custom section is opaque
            case 1:
                try charge(1)
                definitions.append(.coreModule(sectionStart..<(sectionStart + size)))
                continue
            case 2:
                let count = try section.count("core instances")
                try charge(count)
                for _ in 0..<count { definitions.append(.coreInstance(try coreInstance(&section))) }
            case 3:
                let count = try section.count("core types")
                try charge(count)
                for _ in 0..<count {
                    let (parameters, results) = try coreType(&section)
                    definitions.append(.coreType(parameters: parameters, results: results))
                }
            case 4:
                try charge(1)
                guard depth + 1 < limits.maxDepth else {
                    throw section.error("components nested more than \(limits.maxDepth) deep")
                }
                definitions.append(.component(try parseComponent(&section, depth: depth + 1, limits: limits, budget: &budget)))
            case 5:
                let count = try section.count("instances")
                try charge(count)
                for _ in 0..<count { definitions.append(.instance(try instance(&section))) }
            case 6:
                let count = try section.count("aliases")
                try charge(count)
                for _ in 0..<count { definitions.append(.alias(try alias(&section))) }
            case 7:
                let count = try section.count("types")
                try charge(count)
                for _ in 0..<count { definitions.append(.type(try typeDefinition(&section, depth: depth, limits: limits, budget: &budget))) }
            case 8:
                let count = try section.count("canonical functions")
                try charge(count)
                for _ in 0..<count { definitions.append(.canon(try canon(&section))) }
            case 9:
                throw PlugboardError.unsupportedComponentFeature("a component start function (section 9)")
            case 10:
                let count = try section.count("imports")
                try charge(count)
                for _ in 0..<count {
                    let name = try externName(&section)
                    definitions.append(.import(name: name, type: try externDescriptor(&section)))
                }
            case 11:
                let count = try section.count("exports")
                try charge(count)
                for _ in 0..<count {
                    let name = try externName(&section)
                    let item = try sortIndex(&section)
                    let type = try section.optional { try externDescriptor(&$0) }
                    definitions.append(.export(name: name, item: item, type: type))
                }
            case 12:
                throw PlugboardError.unsupportedComponentFeature("component values (section 12)")
            default:
                throw section.error("unknown section id \(id)")
            }
            guard section.isAtEnd else { throw section.error("section \(id) has \(section.remaining) bytes left over") }
        }
        return ParsedComponent(bytes: reader.bytes, definitions: definitions, depth: depth)
    }

    // MARK: instances and aliases

    static func coreSort(_ reader: inout ComponentReader) throws -> CoreSort {
        let raw = try reader.byte()
        guard let sort = CoreSort(rawValue: raw) else { throw reader.error("unknown core sort 0x\(String(raw, radix: 16))") }
        return sort
    }

    static func sort(_ reader: inout ComponentReader) throws -> ComponentSort {
        switch try reader.byte() {
        case 0x00: return .core(try coreSort(&reader))
        case 0x01: return .function
        case 0x02: return .value
        case 0x03: return .type
        case 0x04: return .component
        case 0x05: return .instance
        case let other: throw reader.error("unknown sort 0x\(String(other, radix: 16))")
        }
    }

    static func sortIndex(_ reader: inout ComponentReader) throws -> SortIndex {
        SortIndex(sort: try sort(&reader), index: try reader.u32())
    }

    static func coreInstance(_ reader: inout ComponentReader) throws -> CoreInstanceExpression {
        switch try reader.byte() {
        case 0x00:
            let module = try reader.u32()
            let count = try reader.count("core instantiation arguments", minimumBytes: 3)
            var arguments: [(name: String, instance: UInt32)] = []
            for _ in 0..<count {
                let name = try reader.name()
                try reader.expect(0x12, "the instance sort of a core instantiation argument")
                arguments.append((name, try reader.u32()))
            }
            return .instantiate(module: module, arguments: arguments)
        case 0x01:
            let count = try reader.count("core inline exports", minimumBytes: 3)
            var exports: [(name: String, item: CoreSort, index: UInt32)] = []
            for _ in 0..<count {
                let name = try reader.name()
                let sort = try coreSort(&reader)
                exports.append((name, sort, try reader.u32()))
            }
            return .exports(exports)
        case let other:
            throw reader.error("unknown core instance kind 0x\(String(other, radix: 16))")
        }
    }

    static func instance(_ reader: inout ComponentReader) throws -> InstanceExpression {
        switch try reader.byte() {
        case 0x00:
            let component = try reader.u32()
            let count = try reader.count("instantiation arguments", minimumBytes: 3)
            var arguments: [(name: String, item: SortIndex)] = []
            for _ in 0..<count {
                let name = try reader.name()
                arguments.append((name, try sortIndex(&reader)))
            }
            return .instantiate(component: component, arguments: arguments)
        case 0x01:
            let count = try reader.count("inline exports", minimumBytes: 3)
            var exports: [(name: String, item: SortIndex)] = []
            for _ in 0..<count {
                let name = try externName(&reader)
                exports.append((name, try sortIndex(&reader)))
            }
            return .exports(exports)
        case let other:
            throw reader.error("unknown instance kind 0x\(String(other, radix: 16))")
        }
    }

    static func alias(_ reader: inout ComponentReader) throws -> ComponentAlias {
        let sort = try sort(&reader)
        switch try reader.byte() {
        case 0x00: return ComponentAlias(sort: sort, target: .export(instance: try reader.u32(), name: try reader.name()))
        case 0x01: return ComponentAlias(sort: sort, target: .coreExport(instance: try reader.u32(), name: try reader.name()))
        case 0x02:
            guard [.type, .component, .core(.module), .core(.type)].contains(sort) else {
                throw reader.error("an outer alias of a sort other than type, module or component")
            }
            return ComponentAlias(sort: sort, target: .outer(count: try reader.u32(), index: try reader.u32()))
        case let other:
            throw reader.error("unknown alias target 0x\(String(other, radix: 16))")
        }
    }

    /// An import or export name: `0x00` or `0x01`, then the name (the kind byte is historical).
    static func externName(_ reader: inout ComponentReader) throws -> String {
        switch try reader.byte() {
        case 0x00, 0x01: return try reader.name()
        case let other: throw PlugboardError.unsupportedComponentFeature("an import or export name of kind 0x\(String(other, radix: 16)) (name attributes)")
        }
    }

    static func externDescriptor(_ reader: inout ComponentReader) throws -> ExternDescriptor {
        switch try reader.byte() {
        case 0x00:
            try reader.expect(0x11, "the module sort of a core module import")
            return .coreModule(type: try reader.u32())
        case 0x01: return .function(type: try reader.u32())
        case 0x02:
            throw PlugboardError.unsupportedComponentFeature("a value import or export")
        case 0x03:
            switch try reader.byte() {
            case 0x00: return .typeEqual(try reader.u32())
            case 0x01: return .resourceType
            case let other: throw reader.error("unknown type bound 0x\(String(other, radix: 16))")
            }
        case 0x04: return .component(type: try reader.u32())
        case 0x05: return .instance(type: try reader.u32())
        case let other: throw reader.error("unknown import or export kind 0x\(String(other, radix: 16))")
        }
    }

    // MARK: canon

    static func canon(_ reader: inout ComponentReader) throws -> CanonDefinition {
        let opcode = try reader.byte()
        switch opcode {
        case 0x00:
            try reader.expect(0x00, "the function sort of canon lift")
            let function = try reader.u32()
            let options = try canonOptions(&reader)
            return .lift(function: function, options: options, type: try reader.u32())
        case 0x01:
            try reader.expect(0x00, "the function sort of canon lower")
            let function = try reader.u32()
            return .lower(function: function, options: try canonOptions(&reader))
        case 0x02: return .resourceNew(type: try reader.u32())
        case 0x03: return .resourceDrop(type: try reader.u32())
        case 0x04: return .resourceRep(type: try reader.u32())
        default:
            throw PlugboardError.unsupportedComponentFeature("canonical built-in 0x\(String(opcode, radix: 16)) (async, tasks, streams, futures, error contexts or threads)")
        }
    }

    static func canonOptions(_ reader: inout ComponentReader) throws -> CanonOptions {
        var options = CanonOptions()
        let count = try reader.count("canonical options")
        var sawEncoding = false
        for _ in 0..<count {
            let option = try reader.byte()
            switch option {
            case 0x00:
                guard !sawEncoding else { throw reader.error("two string encodings") }
                sawEncoding = true
            case 0x01, 0x02:
                throw PlugboardError.unsupportedComponentFeature(option == 0x01 ? "UTF-16 strings" : "latin1+utf16 strings")
            case 0x03:
                guard options.memory == nil else { throw reader.error("two memory options") }
                options.memory = try reader.u32()
            case 0x04:
                guard options.realloc == nil else { throw reader.error("two realloc options") }
                options.realloc = try reader.u32()
            case 0x05:
                guard options.postReturn == nil else { throw reader.error("two post-return options") }
                options.postReturn = try reader.u32()
            default:
                throw PlugboardError.unsupportedComponentFeature("canonical option 0x\(String(option, radix: 16)) (async or callbacks)")
            }
        }
        return options
    }
}
