import PlugboardABI
import PlugboardComponents

/// A component compiled for a plugin: its plan and core modules, presented to the linker as if it were a core
/// module following the canonical ABI's naming (each lifted export as `interface#function`, each lowered import as
/// `interface`.`function`, the options' memory as `memory`, realloc as `cabi_realloc`, post-returns as
/// `cabi_post_…`), so the world checks, host functions and calls of core-module plugins apply unchanged.
///
/// For now every lift and lower of the component must use one memory and one realloc (what wit-component emits
/// without an adapter): another shape is refused when the component is instantiated, after linking has named every
/// import the host lacks (so a component importing WASI 0.2 is told which interfaces). Resources run on the
/// instance's ``HandleTable``: the host's, and those the component defines (its `resource.new`/`rep`/`drop` and
/// destructors).
struct ComponentModule: CompiledModule {
    let plan: ComponentPlan
    let modules: [any CompiledModule]
    let description: ModuleDescription
    /// What the component does that Plugboard cannot run yet, refused at instantiation.
    let refusal: String?

    init(bytes: [UInt8], engine: any WasmEngine) throws {
        let plan = try ComponentPlanner.plan(try ComponentParser.parse(bytes))
        let memories = Set((plan.exports.map(\.memory) + plan.lowered.map(\.memory)).compactMap { $0 }.map { "\($0)" })
        let reallocs = Set((plan.exports.map(\.realloc) + plan.lowered.map(\.realloc)).compactMap { $0 }.map { "\($0)" })
        // Refused when instantiated, not here, so that linking first names every import the host lacks (a WASI
        // adapter's lowered imports use the adapter's own realloc).
        self.refusal = memories.count <= 1 && reallocs.count <= 1 ? nil : "functions lifted or lowered with different memories or reallocs"
        self.plan = plan
        self.modules = try plan.compileModules(on: engine)
        var exports: [ModuleDescription.Export] = []
        for export in plan.exports {
            let signature = CanonicalSignature(export.function)
            let name = export.coreName
            exports.append(ModuleDescription.Export(name: name, kind: .function(signature.exportSignature)))
            if export.postReturn != nil {
                exports.append(
                    ModuleDescription.Export(name: "cabi_post_" + name, kind: .function(CoreSignature(parameters: signature.exportSignature.results, results: []))))
            }
        }
        if !memories.isEmpty { exports.append(ModuleDescription.Export(name: "memory", kind: .memory)) }
        if !reallocs.isEmpty {
            exports.append(ModuleDescription.Export(name: "cabi_realloc", kind: .function(CoreSignature(parameters: [.i32, .i32, .i32, .i32], results: [.i32]))))
        }
        let imports = plan.lowered.map { entry in
            ModuleDescription.Import(
                module: entry.coreModule, name: entry.function.name, kind: .function(CanonicalSignature(entry.function).importSignature))
        }
        var description = ModuleDescription(imports: imports, exports: exports, memory: nil, byteCount: bytes.count)
        description.declaredFunctions = DeclaredTypes.of(plan)
        self.description = description
    }

    /// Runs the plan in `store`, binding each lowered import to the host function for its `module`.`name`.
    func instantiate(in store: any CoreStore, hostFunctions: [CoreHostFunction]) throws -> any CoreInstance {
        if let refusal { throw PlugboardError.unsupportedComponentFeature(refusal) }
        var bound: [String: CoreHostFunction] = [:]
        for function in hostFunctions { bound["\(function.module)\u{0}\(function.name)"] = function }
        let lowered = try plan.lowered.map { entry in
            guard let function = bound["\(entry.coreModule)\u{0}\(entry.function.name)"] else {
                throw PlugboardError.invalidComponent("no host function is bound to '\(entry.coreModule).\(entry.function.name)'")
            }
            return function
        }
        let handles = HandleTable()
        let instances = try plan.instantiate(modules, in: store, lowered: lowered, handles: handles)
        return try ComponentCoreInstance(plan: plan, instances: instances, handles: handles)
    }
}

/// A component's core instances seen as one core instance under the canonical ABI's names (see ``ComponentModule``).
final class ComponentCoreInstance: CoreInstance, HandleTableHolder {
    let memory: (any LinearMemory)?
    /// The component instance's handles to resources: its `resource.drop`s and every canonical call on it use them.
    let handles: HandleTable
    private let functions: [String: any CoreFunction]

    init(plan: ComponentPlan, instances: [any CoreInstance], handles: HandleTable) throws {
        self.handles = handles
        // Each core function must have the type its use needs: a lift the flattening of its WIT type, realloc
        // (i32, i32, i32, i32) -> i32, a post-return the lifted function's results as parameters. Each memory option
        // must name a memory.
        func function(_ item: ComponentPlan.CoreItem, _ expected: CoreSignature, _ role: String) throws -> any CoreFunction {
            guard case .export(let step, let name) = item else {
                throw PlugboardError.unsupportedComponentFeature("a lowered import as \(role) (component composition)")
            }
            guard let function = instances[step].function(named: name) else {
                throw PlugboardError.invalidComponent("\(role) names '\(name)', which its core instance does not export as a function")
            }
            guard function.signature == expected else {
                throw PlugboardError.invalidComponent("\(role) is a core function of type \(function.signature), but its use needs \(expected)")
            }
            return function
        }
        func linearMemory(_ item: ComponentPlan.CoreItem, _ role: String) throws -> any LinearMemory {
            guard case .export(let step, let name) = item else { throw PlugboardError.invalidComponent("\(role) names a lowered import, not a memory") }
            guard let memory = instances[step].memory(named: name) else {
                throw PlugboardError.invalidComponent("\(role) names '\(name)', which its core instance does not export as a memory")
            }
            return memory
        }
        let reallocSignature = CoreSignature(parameters: [.i32, .i32, .i32, .i32], results: [.i32])
        var functions: [String: any CoreFunction] = [:]
        var memory: (any LinearMemory)?
        for export in plan.exports {
            let name = export.coreName
            let signature = CanonicalSignature(export.function).exportSignature
            functions[name] = try function(export.core, signature, "the lift of '\(name)'")
            if let postReturn = export.postReturn {
                functions["cabi_post_" + name] = try function(
                    postReturn, CoreSignature(parameters: signature.results, results: []), "the post-return of '\(name)'")
            }
            if let realloc = export.realloc { functions["cabi_realloc"] = try function(realloc, reallocSignature, "the realloc of '\(name)'") }
            if let item = export.memory { memory = try linearMemory(item, "the memory of '\(name)'") }
        }
        for lowered in plan.lowered {
            if let realloc = lowered.realloc { functions["cabi_realloc"] = try function(realloc, reallocSignature, "the realloc of import '\(lowered.function.name)'") }
            if let item = lowered.memory { memory = try linearMemory(item, "the memory of import '\(lowered.function.name)'") }
        }
        self.functions = functions
        self.memory = memory
    }

    func function(named name: String) -> (any CoreFunction)? { functions[name] }
    func memory(named name: String) -> (any LinearMemory)? { name == "memory" ? memory : nil }
}
