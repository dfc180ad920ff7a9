import PlugboardABI

/// A parsed WebAssembly component (`design/mvp/Binary.md`): its definitions in binary order, each appending to an
/// index space as the format prescribes. Core modules stay byte ranges of ``bytes``, compiled later by an engine.
///
/// This is the structure only: indices are not yet resolved nor types checked (the next stage of component
/// support). Constructs Plugboard does not run (async, streams, futures, component values, `start`, UTF-16
/// strings, module types) are refused while parsing, naming the construct.
public struct ParsedComponent: Sendable {
    /// The whole binary the ranges point into.
    public let bytes: [UInt8]
    /// The definitions in order.
    public var definitions: [ComponentDefinition]
    /// How deep this component is nested in the binary (0: the root).
    public var depth: Int
}

/// One definition of a component, in binary order.
public enum ComponentDefinition: Sendable {
    /// A custom section's name.
    case custom(String)
    /// A core module: its bytes' range in ``ParsedComponent/bytes``.
    case coreModule(Range<Int>)
    case coreInstance(CoreInstanceExpression)
    /// A core function type (the only core type the component format needs without module imports).
    case coreType(parameters: [CoreType], results: [CoreType])
    /// A nested component.
    case component(ParsedComponent)
    case instance(InstanceExpression)
    case alias(ComponentAlias)
    case type(ComponentTypeDefinition)
    case canon(CanonDefinition)
    case `import`(name: String, type: ExternDescriptor)
    case export(name: String, item: SortIndex, type: ExternDescriptor?)
}

/// A core sort: what a core index refers to.
public enum CoreSort: UInt8, Sendable {
    case function = 0x00, table = 0x01, memory = 0x02, global = 0x03, type = 0x10, module = 0x11, instance = 0x12
}

/// A component sort (`0x00` wraps a core sort).
public enum ComponentSort: Sendable, Equatable {
    case core(CoreSort)
    case function, value, type, component, instance
}

/// A sort and an index into its index space.
public struct SortIndex: Sendable, Equatable {
    public var sort: ComponentSort
    public var index: UInt32
}

/// How a core instance is made.
public enum CoreInstanceExpression: Sendable {
    /// Instantiate core module `module`, each import module name bound to a core instance.
    case instantiate(module: UInt32, arguments: [(name: String, instance: UInt32)])
    /// A bag of items other core instances export, under new names.
    case exports([(name: String, item: CoreSort, index: UInt32)])
}

/// How a component instance is made.
public enum InstanceExpression: Sendable {
    case instantiate(component: UInt32, arguments: [(name: String, item: SortIndex)])
    case exports([(name: String, item: SortIndex)])
}

/// An alias: an item of another instance or of an enclosing component, added to its sort's index space.
public struct ComponentAlias: Sendable {
    public enum Target: Sendable {
        case export(instance: UInt32, name: String)
        case coreExport(instance: UInt32, name: String)
        case outer(count: UInt32, index: UInt32)
    }
    public var sort: ComponentSort
    public var target: Target
}

/// A value type: a primitive, or an index into the type index space.
public enum ComponentValueType: Sendable, Equatable {
    case primitive(WITPrimitive)
    case index(UInt32)
}

/// The primitive value types.
public enum WITPrimitive: UInt8, Sendable {
    case bool = 0x7F, s8 = 0x7E, u8 = 0x7D, s16 = 0x7C, u16 = 0x7B, s32 = 0x7A, u32 = 0x79, s64 = 0x78, u64 = 0x77
    case f32 = 0x76, f64 = 0x75, char = 0x74, string = 0x73
}

/// A type definition.
public indirect enum ComponentTypeDefinition: Sendable {
    case primitive(WITPrimitive)
    case record([(name: String, type: ComponentValueType)])
    case variant([(name: String, type: ComponentValueType?)])
    case list(ComponentValueType)
    case tuple([ComponentValueType])
    case flags([String])
    case `enum`([String])
    case option(ComponentValueType)
    case result(ok: ComponentValueType?, error: ComponentValueType?)
    case own(UInt32)
    case borrow(UInt32)
    case function(parameters: [(name: String, type: ComponentValueType)], result: ComponentValueType?)
    case component([ComponentTypeDeclaration])
    case instance([ComponentTypeDeclaration])
    /// A resource type with a representation of `i32` and an optional destructor (a core function index).
    case resource(destructor: UInt32?)
}

/// A declaration inside a component or instance type.
public indirect enum ComponentTypeDeclaration: Sendable {
    case coreType(parameters: [CoreType], results: [CoreType])
    case type(ComponentTypeDefinition)
    case alias(ComponentAlias)
    case `import`(name: String, type: ExternDescriptor)
    case export(name: String, type: ExternDescriptor)
}

/// What an import or export is (its `externdesc`).
public enum ExternDescriptor: Sendable, Equatable {
    case coreModule(type: UInt32)
    case function(type: UInt32)
    case value(ComponentValueType)
    /// A type equal to type `index`.
    case typeEqual(UInt32)
    /// A fresh resource type.
    case resourceType
    case component(type: UInt32)
    case instance(type: UInt32)
}

/// A `canon` definition.
public enum CanonDefinition: Sendable {
    /// A component function from core function `function` with type `type`.
    case lift(function: UInt32, options: CanonOptions, type: UInt32)
    /// A core function from component function `function`.
    case lower(function: UInt32, options: CanonOptions)
    case resourceNew(type: UInt32)
    case resourceDrop(type: UInt32)
    case resourceRep(type: UInt32)
}

/// The options of a lift or lower (UTF-8 strings; the others are refused).
public struct CanonOptions: Sendable, Equatable {
    public var memory: UInt32?
    public var realloc: UInt32?
    public var postReturn: UInt32?
}
