import WasmParser
import WasmTypes

/// What a core module imports and exports, with core signatures: read without instantiating it.
public struct ModuleDescription: Sendable, Hashable {
    /// One import of a module.
    public struct Import: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case function(CoreSignature)
            case memory
            case table
            case global
            case tag
        }
        public var module: String
        public var name: String
        public var kind: Kind

        /// `module.name` for messages.
        public var fullName: String { "\(module).\(name)" }

        package init(module: String, name: String, kind: Kind) {
            self.module = module
            self.name = name
            self.kind = kind
        }
    }

    /// One export of a module.
    public struct Export: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case function(CoreSignature)
            case memory
            case table
            case global
            case tag
        }
        public var name: String
        public var kind: Kind

        package init(name: String, kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    public var imports: [Import]
    public var exports: [Export]
    /// The size of the module's memory in 64 KiB pages (defined or imported), if it has one.
    public var memory: MemoryLimits?
    /// The memories the module defines (not imports), each allocated at instantiation.
    package var definedMemories: [MemoryLimits] = []
    /// The module's tables, imported first, then defined (in index order).
    public var tables: [TableLimits]
    /// The size of the binary in bytes.
    public var byteCount: Int
    /// The WIT functions the binary declares for its imports and exports, when it declares them: a component
    /// always does; a core module does in a `component-type:*` custom section (wit-bindgen and
    /// `wasm-tools component embed` write one). Linking then compares WIT types, not only core signatures.
    package var declaredFunctions: DeclaredWITFunctions?
    /// The payloads of the module's `component-type:*` custom sections, still encoded (the component layer
    /// decodes them into ``declaredFunctions``).
    package var componentTypeSections: [[UInt8]] = []

    /// Initial and maximum size of a table, in elements.
    public struct TableLimits: Sendable, Hashable {
        public var minimumElements: UInt64
        public var maximumElements: UInt64?
        /// Whether the table is imported (an engine allocates only the module's own tables).
        public var isImported: Bool
    }

    /// Initial and maximum size of a linear memory, in 64 KiB pages.
    public struct MemoryLimits: Sendable, Hashable {
        public var minimumPages: UInt64
        public var maximumPages: UInt64?
    }

    /// The core signature of an exported function.
    public func exportedFunction(_ name: String) -> CoreSignature? {
        for export in exports where export.name == name {
            if case .function(let signature) = export.kind { return signature }
        }
        return nil
    }

    /// Whether the module exports a memory named `memory`.
    public var exportsMemory: Bool {
        exports.contains { $0.name == "memory" && $0.kind == .memory }
    }

    /// Reads the import, function, table, memory and export sections of a core module, after checking it against
    /// `limits` (see ``ModuleLimits``): every function body is scanned, so the bytes are safe to hand to an engine.
    /// - Throws: ``PlugboardError`` with code `invalidModule` naming what is malformed or over a limit.
    public init(parsing bytes: [UInt8], limits: ModuleLimits = ModuleLimits()) throws {
        try ModuleScreen.checkLocals(bytes, limits: limits)
        var parser = Parser(bytes: bytes)
        var tables: [TableLimits] = []
        var functionIndex = 0
        var types: [FunctionType?] = []
        var functionTypes: [UInt32] = []
        var imports: [Import] = []
        var exports: [WasmParser.Export] = []
        var memory: MemoryLimits?
        var defined: [MemoryLimits] = []
        var componentTypeSections: [[UInt8]] = []
        do {
            while let payload = try parser.parseNext() {
                switch payload {
                case .typeSection(let groups):
                    for group in groups {
                        for subtype in group.types {
                            if case .function(let type) = subtype.body { types.append(type) } else { types.append(nil) }
                        }
                    }
                case .importSection(let list):
                    for entry in list {
                        let kind: Import.Kind
                        switch entry.descriptor {
                        case .function(let index):
                            functionTypes.append(index)
                            kind = .function(try Self.signature(at: index, in: types))
                        case .memory(let type):
                            kind = .memory
                            memory = MemoryLimits(minimumPages: type.min, maximumPages: type.max)
                        case .table(let type):
                            kind = .table
                            tables.append(TableLimits(minimumElements: type.limits.min, maximumElements: type.limits.max, isImported: true))
                        case .global: kind = .global
                        default: kind = .tag
                        }
                        imports.append(Import(module: entry.module, name: entry.name, kind: kind))
                    }
                case .functionSection(let indices):
                    functionTypes.append(contentsOf: indices)
                case .tableSection(let defined):
                    tables += defined.map { TableLimits(minimumElements: $0.type.limits.min, maximumElements: $0.type.limits.max, isImported: false) }
                case .codeSection(let codes):
                    for code in codes {
                        try ModuleScreen.checkBody(code, functionIndex: functionIndex, limits: limits)
                        functionIndex += 1
                    }
                case .memorySection(let memories):
                    if let first = memories.first, memory == nil { memory = MemoryLimits(minimumPages: first.type.min, maximumPages: first.type.max) }
                    defined += memories.map { MemoryLimits(minimumPages: $0.type.min, maximumPages: $0.type.max) }
                case .exportSection(let list):
                    exports = list
                case .customSection(let section) where section.name.hasPrefix("component-type"):
                    componentTypeSections.append(Array(section.bytes))
                default:
                    break
                }
            }
        } catch let error as PlugboardError {
            throw error
        } catch {
            throw PlugboardError.invalidModule(detail: "\(error)")
        }
        self.imports = imports
        self.componentTypeSections = componentTypeSections
        self.exports = try exports.map { export in
            switch export.descriptor {
            case .function(let index):
                guard Int(index) < functionTypes.count else {
                    throw PlugboardError.invalidModule(detail: "export '\(export.name)' refers to function \(index), which does not exist")
                }
                return Export(name: export.name, kind: .function(try Self.signature(at: functionTypes[Int(index)], in: types)))
            case .memory: return Export(name: export.name, kind: .memory)
            case .table: return Export(name: export.name, kind: .table)
            case .global: return Export(name: export.name, kind: .global)
            default: return Export(name: export.name, kind: .tag)
            }
        }
        guard tables.count <= limits.maxTables else {
            throw PlugboardError.moduleTooLarge("it has \(tables.count) tables", limit: "ModuleLimits.maxTables (\(limits.maxTables))")
        }
        self.memory = memory
        self.definedMemories = defined
        self.tables = tables
        self.byteCount = bytes.count
    }

    /// A description made up rather than parsed: how a component presents itself to the linker (its lifted exports
    /// and lowered imports under the canonical ABI's core names).
    package init(imports: [Import], exports: [Export], memory: MemoryLimits?, byteCount: Int) {
        self.imports = imports
        self.exports = exports
        self.memory = memory
        self.tables = []
        self.byteCount = byteCount
    }

    private static func signature(at index: UInt32, in types: [FunctionType?]) throws -> CoreSignature {
        guard Int(index) < types.count, let type = types[Int(index)] else {
            throw PlugboardError.invalidModule(detail: "type index \(index) is not a function type")
        }
        return CoreSignature(parameters: try type.parameters.map(coreType), results: try type.results.map(coreType))
    }

    private static func coreType(_ type: ValueType) throws -> CoreType {
        switch type {
        case .i32: return .i32
        case .i64: return .i64
        case .f32: return .f32
        case .f64: return .f64
        default: throw PlugboardError.unsupportedCoreType("\(type)")
        }
    }
}
