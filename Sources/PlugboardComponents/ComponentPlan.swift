import PlugboardABI

/// The core functions of the canonical resource intrinsics, on the instance's handle table (held weakly: the store
/// holds these functions, and the table holds the store's destructors).
extension ComponentPlan {
    private static func intrinsic(
        _ name: String, _ resource: WITResourceType, results: [CoreType], in handles: HandleTable,
        _ body: @escaping (HandleTable, UInt32) throws -> CoreValue?
    ) -> CoreHostFunction {
        CoreHostFunction(module: "", name: "[\(name)]\(resource.name)", signature: CoreSignature(parameters: [.i32], results: results)) { [weak handles] arguments in
            guard arguments.count == 1, case .i32(let value) = arguments[0] else { throw PlugboardError.flatArityMismatch(expected: 1, got: arguments.count) }
            guard let handles else { throw PlugboardError.invalidComponent("a resource intrinsic called after its instance was released") }
            return try body(handles, value)
        }
    }

    /// `resource.drop`: removes the handle the guest passes from `handles` (a typed error for a forged, stale or
    /// mistyped one); when the handle owned the resource, runs its destructor: the host's, or the guest's own for a
    /// resource it defines.
    static func resourceDrop(_ resource: WITResourceType, in handles: HandleTable) -> CoreHostFunction {
        intrinsic("resource-drop", resource, results: [], in: handles) { handles, index in
            let (removed, owned) = try handles.remove(index, of: resource)
            guard owned else { return nil }
            if let defined = removed.value as? PluginDefinedResource {
                if removed.relinquish() { try handles.runDestructor(defined) }
            } else {
                removed.destroy()
            }
            return nil
        }
    }

    /// `resource.new` of a resource the guest defines: a new owning handle to representation `rep`.
    static func resourceNew(_ resource: WITResourceType, definition: Int, in handles: HandleTable) -> CoreHostFunction {
        intrinsic("resource-new", resource, results: [.i32], in: handles) { handles, rep in
            .i32(try handles.insertDefined(rep: rep, definition: definition, type: resource))
        }
    }

    /// `resource.rep` of a resource the guest defines: the representation behind a handle it holds.
    static func resourceRep(_ resource: WITResourceType, in handles: HandleTable) -> CoreHostFunction {
        intrinsic("resource-rep", resource, results: [.i32], in: handles) { handles, index in
            let (found, _) = try handles.resource(at: index, of: resource)
            guard let defined = found.value as? PluginDefinedResource, defined.owner === handles.owner else {
                throw PlugboardError.notAPluginResource(index, resource: resource)
            }
            return .i32(defined.rep)
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
        /// `resource.drop`: `(i32) -> ()`, removing the handle from the instance's table and, when it owned the
        /// resource, running its destructor (the host's, or the component's for a resource it defines).
        case resourceDrop(WITResourceType)
        /// `resource.new` of ``ComponentPlan/definedResources`` `[definition]`: `(i32 rep) -> i32 handle`.
        case resourceNew(WITResourceType, definition: Int)
        /// `resource.rep` of a resource the component defines: `(i32 handle) -> i32 rep`.
        case resourceRep(WITResourceType)

        /// Whether what `item` names exists once step `step` is instantiated (a step's export needs that step; the
        /// rest exists from the start). `nil`, an absent option, always does.
        package static func isMade(_ item: CoreItem?, upTo step: Int) -> Bool {
            guard case .export(let source, _)? = item else { return true }
            return source <= step
        }
    }

    /// A resource type the component defines (`(resource (rep i32) (dtor f))`): its name (the one it is exported
    /// under) and the core function destroying its representation, if any.
    public struct DefinedResource: Sendable {
        public var type: WITResourceType
        public var destructor: CoreItem?
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
    /// The resource types the component defines, in definition order.
    public var definedResources: [DefinedResource] = []
    /// The descriptions of the core modules screened so far, by module index (see ``screenedModule(_:)``).
    package var screenedModules: [Int: ModuleDescription] = [:]
}

extension ComponentPlan {
    /// The plan's core modules, compiled on `engine`, each screened like any plugin module (once: planning screened
    /// the modules it instantiates).
    package func compileModules(on engine: any WasmEngine) throws -> [any CompiledModule] {
        try modules.indices.map { index in
            let module = Array(bytes[modules[index]])
            return try engine.compile(module, screened: try screenedModules[index] ?? ModuleDescription(parsing: module))
        }
    }

    /// The description of core module `index` from screening it (``ModuleDescription/init(parsing:limits:)``), made
    /// on first use and kept.
    package mutating func screenedModule(_ index: Int) throws -> ModuleDescription {
        if let description = screenedModules[index] { return description }
        let description = try ModuleDescription(parsing: Array(bytes[modules[index]]))
        screenedModules[index] = description
        return description
    }

    /// Runs the plan's core instantiations in `store`, in order: `modules` from ``compileModules(on:)``, `lowered[i]`
    /// bound wherever lowered import `i` is imported, `afterEach(step, instances)` after each step.
    package func instantiate(
        _ modules: [any CompiledModule], in store: any CoreStore, lowered: [CoreHostFunction], handles: HandleTable,
        afterEach: (Int, [any CoreInstance]) throws -> Void = { _, _ in }
    ) throws -> [any CoreInstance] {
        var instances: [any CoreInstance] = []
        for (index, step) in steps.enumerated() {
            let imports = step.imports.map { entry -> CoreImport in
                switch entry.item {
                case .export(let source, let name): CoreImport(module: entry.module, name: entry.name, value: .export(instances[source], name: name))
                case .lowered(let index): CoreImport(module: entry.module, name: entry.name, value: .hostFunction(lowered[index]))
                case .resourceDrop(let resource):
                    CoreImport(module: entry.module, name: entry.name, value: .hostFunction(Self.resourceDrop(resource, in: handles)))
                case .resourceNew(let resource, let definition):
                    CoreImport(module: entry.module, name: entry.name, value: .hostFunction(Self.resourceNew(resource, definition: definition, in: handles)))
                case .resourceRep(let resource):
                    CoreImport(module: entry.module, name: entry.name, value: .hostFunction(Self.resourceRep(resource, in: handles)))
                }
            }
            instances.append(try store.instantiate(modules[step.module], imports: imports))
            try afterEach(index, instances)
        }
        handles.destructors = try definedResources.map { resource in
            try resource.destructor.map { try Self.destructor($0, of: resource.type, in: instances) }
        }
        return instances
    }

    /// The core function destroying a defined resource's representation: `(i32) -> ()`, exported by a core instance.
    private static func destructor(_ item: CoreItem, of resource: WITResourceType, in instances: [any CoreInstance]) throws -> any CoreFunction {
        guard case .export(let step, let name) = item else {
            throw PlugboardError.unsupportedComponentFeature("a destructor of '\(resource.name)' that is not a core instance's export (component composition)")
        }
        guard let function = instances[step].function(named: name) else {
            throw PlugboardError.invalidComponent("the destructor of '\(resource.name)' names '\(name)', which its core instance does not export as a function")
        }
        let expected = CoreSignature(parameters: [.i32], results: [])
        guard function.signature == expected else {
            throw PlugboardError.invalidComponent("the destructor of '\(resource.name)' is a core function of type \(function.signature), but a destructor needs \(expected)")
        }
        return function
    }
}
