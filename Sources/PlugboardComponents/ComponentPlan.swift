import PlugboardABI

/// A component flattened into what an engine runs (wasmtime's `GlobalInitializer` list, in our terms): core
/// modules instantiated in order with their imports resolved, host imports lowered into core functions, and the
/// exports lifted from core functions. Made once per component binary, replayed per instance.
public struct ComponentPlan: Sendable {
    /// A core item (function, memory, table or global) as a step or a lifted export refers to it.
    public enum CoreItem: Sendable, Equatable {
        /// What step `step`'s instance exports as `name`.
        case export(step: Int, name: String)
        /// The core function lowered from host import ``ComponentPlan/lowered`` `[index]`.
        case lowered(Int)
    }

    /// One core instantiation.
    public struct Step: Sendable {
        /// Index into ``ComponentPlan/modules``.
        public var module: Int
        public var imports: [(module: String, name: String, item: CoreItem)]
    }

    /// A host function the component imports, lowered into a core function with these options.
    public struct LoweredImport: Sendable {
        /// The imported instance's name (`demo:plug/host@0.1.0`), or `nil` for a function imported by itself.
        public var interface: String?
        public var function: WITFunction
        public var memory: CoreItem?
        public var realloc: CoreItem?
    }

    /// A function the component exports, lifted from a core function with these options.
    public struct LiftedExport: Sendable {
        /// The exported instance's name (`demo:plug/api@0.1.0`), or `nil` for a function exported by itself.
        public var interface: String?
        public var function: WITFunction
        public var core: CoreItem
        public var memory: CoreItem?
        public var realloc: CoreItem?
        public var postReturn: CoreItem?
    }

    /// The binary the module ranges point into.
    public var bytes: [UInt8]
    /// The core modules, as ranges of ``bytes``.
    public var modules: [Range<Int>]
    public var steps: [Step]
    public var lowered: [LoweredImport]
    public var exports: [LiftedExport]
}
