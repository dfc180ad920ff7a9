import PlugboardABI
import PlugboardComponents

/// A component compiled for a plugin: its plan and core modules, presented to the linker as if it were a core
/// module following the canonical ABI's naming (each lifted export as `interface#function`, each lowered import as
/// `interface`.`function`, a memory as `memory`, a realloc as `cabi_realloc`, post-returns as `cabi_post_…`), so the
/// world checks, host functions and calls of core-module plugins apply unchanged.
///
/// Each lift and lower keeps its own canonical options: the instance has a ``CanonicalInstance`` view per export and
/// per lowered import (the WASI adapter lowers its imports with its own realloc), all sharing one handle table.
/// Resources run on that table: the host's, and those the component defines (its `resource.new`/`rep`/`drop` and
/// destructors).
struct ComponentModule: CompiledModule {
    /// Makes the core function of one host import, reading and writing guest memory through the view `binding`
    /// will point at once the component is instantiated.
    typealias HostFunctionMaker = (module: String, name: String, make: (CanonicalBinding) -> CoreHostFunction)

    let plan: ComponentPlan
    let modules: [any CompiledModule]
    let description: ModuleDescription

    init(bytes: [UInt8], engine: any WasmEngine) throws {
        let plan = try ComponentPlanner.plan(try ComponentParser.parse(bytes))
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
        let options = plan.exports.map { ($0.memory, $0.realloc) } + plan.lowered.map { ($0.memory, $0.realloc) }
        if options.contains(where: { $0.0 != nil }) { exports.append(ModuleDescription.Export(name: "memory", kind: .memory)) }
        if options.contains(where: { $0.1 != nil }) {
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

    /// Runs the plan in `store`, each lowered import bound to a core function `hostFunctions` makes for its
    /// `module`.`name`, with a binding of its own (so it sees the guest through its own options).
    func instantiate(in store: any CoreStore, hostFunctions: [HostFunctionMaker]) throws -> ComponentCoreInstance {
        var makers: [String: (CanonicalBinding) -> CoreHostFunction] = [:]
        for function in hostFunctions { makers["\(function.module)\u{0}\(function.name)"] = function.make }
        var bindings: [CanonicalBinding] = []
        let lowered = try plan.lowered.map { entry in
            guard let make = makers["\(entry.coreModule)\u{0}\(entry.function.name)"] else {
                throw PlugboardError.invalidComponent("no host function is bound to '\(entry.coreModule).\(entry.function.name)'")
            }
            let binding = CanonicalBinding()
            bindings.append(binding)
            return make(binding)
        }
        let handles = HandleTable()
        let instances = try plan.instantiate(modules, in: store, lowered: lowered, handles: handles)
        return try ComponentCoreInstance(plan: plan, instances: instances, handles: handles, loweredBindings: bindings)
    }
}

/// A component's core instances seen as one core instance under the canonical ABI's names (see ``ComponentModule``),
/// with a canonical view per export and per lowered import.
final class ComponentCoreInstance: CoreInstance, HandleTableHolder {
    /// The memory and realloc most functions use (the main module's), for what has no options of its own.
    let primaryView: CanonicalInstance
    /// The component instance's handles to resources: its `resource.drop`s and every canonical call on it use them.
    var handles: HandleTable { primaryView.handles }
    var memory: (any LinearMemory)? { primaryView.memory?.raw }
    private let functions: [String: any CoreFunction]
    /// The view each lifted export is called through, by core name.
    private let exportViews: [String: CanonicalInstance]
    /// The views lowered imports read and write through (their bindings hold them weakly).
    private let importViews: [CanonicalInstance]

    init(plan: ComponentPlan, instances: [any CoreInstance], handles: HandleTable, loweredBindings: [CanonicalBinding]) throws {
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
        func options(_ memory: ComponentPlan.CoreItem?, _ realloc: ComponentPlan.CoreItem?, of role: String) throws -> ((any LinearMemory)?, (any CoreFunction)?) {
            (try memory.map { try linearMemory($0, "the memory of \(role)") }, try realloc.map { try function($0, reallocSignature, "the realloc of \(role)") })
        }
        // The primary view: the options of the main module's exports (the first with a memory and realloc), else none.
        let main = plan.exports.first { $0.memory != nil && $0.realloc != nil } ?? plan.exports.first { $0.memory != nil }
        let (mainMemory, mainRealloc) = try options(main?.memory, main?.realloc, of: "'\(main?.coreName ?? "")'")
        let primary = CanonicalInstance(memory: mainMemory, realloc: mainRealloc, handles: handles)
        func view(_ memoryItem: ComponentPlan.CoreItem?, _ reallocItem: ComponentPlan.CoreItem?, of role: String) throws -> CanonicalInstance {
            if memoryItem == main?.memory, reallocItem == main?.realloc { return primary }
            let (memory, realloc) = try options(memoryItem, reallocItem, of: role)
            return CanonicalInstance(memory: memory, realloc: realloc, sharingStateWith: primary)
        }
        var functions: [String: any CoreFunction] = [:]
        var exportViews: [String: CanonicalInstance] = [:]
        for export in plan.exports {
            let name = export.coreName
            let signature = CanonicalSignature(export.function).exportSignature
            functions[name] = try function(export.core, signature, "the lift of '\(name)'")
            if let postReturn = export.postReturn {
                functions["cabi_post_" + name] = try function(
                    postReturn, CoreSignature(parameters: signature.results, results: []), "the post-return of '\(name)'")
            }
            exportViews[name] = try view(export.memory, export.realloc, of: "'\(name)'")
        }
        var importViews: [CanonicalInstance] = []
        for (lowered, binding) in zip(plan.lowered, loweredBindings) {
            let imported = try view(lowered.memory, lowered.realloc, of: "import '\(lowered.function.name)'")
            importViews.append(imported)
            binding.instance = imported
        }
        if let realloc = mainRealloc { functions["cabi_realloc"] = realloc }
        self.functions = functions
        self.primaryView = primary
        self.exportViews = exportViews
        self.importViews = importViews
    }

    func function(named name: String) -> (any CoreFunction)? { functions[name] }
    func memory(named name: String) -> (any LinearMemory)? { name == "memory" ? memory : nil }

    /// The view export `coreName` lifts its arguments and results through.
    func view(ofExport coreName: String) -> CanonicalInstance { exportViews[coreName] ?? primaryView }
}
