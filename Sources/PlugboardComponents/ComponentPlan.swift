import PlugboardABI

extension ComponentPlan {
    /// The core function a `canon resource.drop` of host-implemented `resource` becomes: removes the handle the
    /// guest passes from `handles` (a typed error for a forged, stale or mistyped one) and runs the destructor if
    /// the handle owned the resource.
    static func resourceDrop(_ resource: WITResourceType, in handles: HandleTable) -> CoreHostFunction {
        CoreHostFunction(
            module: "", name: "[resource-drop]\(resource.name)", signature: CoreSignature(parameters: [.i32], results: [])
        ) { arguments in
            guard arguments.count == 1, case .i32(let index) = arguments[0] else { throw PlugboardError.flatArityMismatch(expected: 1, got: arguments.count) }
            let (removed, owned) = try handles.remove(index, of: resource)
            if owned { removed.destroy() }
            return nil
        }
    }
}

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
        /// `resource.drop` of a handle to a resource the host implements: `(i32) -> ()`, removing the handle from the
        /// instance's table and, when it owned the resource, running the host's destructor.
        case resourceDrop(WITResourceType)
        /// A core function Plugboard does not provide yet (a resource intrinsic), described: a step importing it
        /// fails to instantiate with ``PlugboardError/unsupportedComponentFeature(_:)``.
        case unsupported(String)
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

        /// The core module name the canonical ABI gives the import: the interface, or `$root` for a bare function.
        public var coreModule: String { interface ?? "$root" }
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

        /// The core export name the canonical ABI gives the function: `interface#function`, or the bare name.
        public var coreName: String { interface.map { "\($0)#\(function.name)" } ?? function.name }
    }

    /// The binary the module ranges point into.
    public var bytes: [UInt8]
    /// The core modules, as ranges of ``bytes``.
    public var modules: [Range<Int>]
    public var steps: [Step]
    public var lowered: [LoweredImport]
    public var exports: [LiftedExport]
    /// The instances the component imports by name (its WIT interfaces), in import order, whether or not it
    /// lowers a function of each: every one must be provided for the component to be instantiated.
    public var importedInterfaces: [String] = []
}

extension ComponentPlan {
    /// The plan's core modules, compiled on `engine` (each screened like any plugin module).
    package func compileModules(on engine: any WasmEngine) throws -> [any CompiledModule] {
        try modules.map { try engine.compile(Array(bytes[$0])) }
    }

    /// Runs the plan's core instantiations in `store`, in order: `modules` from ``compileModules(on:)``, `lowered[i]`
    /// bound wherever lowered import `i` is imported, `afterEach(step, instances)` after each step.
    package func instantiate(
        _ modules: [any CompiledModule], in store: any CoreStore, lowered: [CoreHostFunction], handles: HandleTable,
        afterEach: (Int, [any CoreInstance]) throws -> Void = { _, _ in }
    ) throws -> [any CoreInstance] {
        var instances: [any CoreInstance] = []
        for (index, step) in steps.enumerated() {
            let imports = try step.imports.map { entry -> CoreImport in
                switch entry.item {
                case .export(let source, let name): CoreImport(module: entry.module, name: entry.name, value: .export(instances[source], name: name))
                case .lowered(let index): CoreImport(module: entry.module, name: entry.name, value: .hostFunction(lowered[index]))
                case .resourceDrop(let resource):
                    CoreImport(module: entry.module, name: entry.name, value: .hostFunction(Self.resourceDrop(resource, in: handles)))
                case .unsupported(let what): throw PlugboardError.unsupportedComponentFeature(what)
                }
            }
            instances.append(try store.instantiate(modules[step.module], imports: imports))
            try afterEach(index, instances)
        }
        return instances
    }
}
