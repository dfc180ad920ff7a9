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
    /// `module`.`name`, with a binding of its own (so it sees the guest through its own options); the instance
    /// holds at most `handleLimit` resource handles at once.
    func instantiate(in store: any CoreStore, hostFunctions: [HostFunctionMaker], handleLimit: Int) throws -> ComponentCoreInstance {
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
        // Every view shares this one's handle table and may_leave flag.
        let root = CanonicalInstance(memory: nil, realloc: nil, handles: HandleTable(limit: handleLimit))
        var importViews: [CanonicalInstance?] = Array(repeating: nil, count: plan.lowered.count)
        let instances = try plan.instantiate(modules, in: store, lowered: lowered, handles: root.handles) { step, made in
            // A lowered import can be called as soon as the instances of its memory and realloc exist: a start
            // function (wit-component runs `_initialize` as one) may call it before the plan is done.
            for (index, entry) in plan.lowered.enumerated() where importViews[index] == nil {
                guard ComponentPlan.CoreItem.isMade(entry.memory, upTo: step), ComponentPlan.CoreItem.isMade(entry.realloc, upTo: step) else { continue }
                let view = try ComponentCoreInstance.view(
                    memory: entry.memory, realloc: entry.realloc, in: made, sharingStateWith: root, role: "import '\(entry.function.name)'")
                importViews[index] = view
                bindings[index].instance = view
            }
        }
        return try ComponentCoreInstance(plan: plan, instances: instances, root: root, importViews: importViews.compactMap { $0 })
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

    private static let reallocSignature = CoreSignature(parameters: [.i32, .i32, .i32, .i32], results: [.i32])

    /// Core function `item` of `instances`, which must have type `expected` for its `role`.
    static func function(_ item: ComponentPlan.CoreItem, _ expected: CoreSignature, in instances: [any CoreInstance], _ role: String) throws -> any CoreFunction {
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

    /// A canonical view with the options `memory` and `realloc` (each checked: a memory, a realloc of the right type).
    static func view(
        memory: ComponentPlan.CoreItem?, realloc: ComponentPlan.CoreItem?, in instances: [any CoreInstance], sharingStateWith root: CanonicalInstance,
        role: String
    ) throws -> CanonicalInstance {
        var linear: (any LinearMemory)?
        if let memory {
            guard case .export(let step, let name) = memory else { throw PlugboardError.invalidComponent("the memory of \(role) names a lowered import, not a memory") }
            guard let found = instances[step].memory(named: name) else {
                throw PlugboardError.invalidComponent("the memory of \(role) names '\(name)', which its core instance does not export as a memory")
            }
            linear = found
        }
        let function = try realloc.map { try Self.function($0, reallocSignature, in: instances, "the realloc of \(role)") }
        return CanonicalInstance(memory: linear, realloc: function, sharingStateWith: root)
    }

    /// Checks each core function has the type its use needs (a lift the flattening of its WIT type, a post-return
    /// the lifted function's results as parameters) and makes the views of the exports.
    init(plan: ComponentPlan, instances: [any CoreInstance], root: CanonicalInstance, importViews: [CanonicalInstance]) throws {
        // The primary view: the options of the main module's exports (the first with a memory and realloc), else none.
        let main = plan.exports.first { $0.memory != nil && $0.realloc != nil } ?? plan.exports.first { $0.memory != nil }
        let primary = try Self.view(memory: main?.memory, realloc: main?.realloc, in: instances, sharingStateWith: root, role: "'\(main?.coreName ?? "")'")
        var functions: [String: any CoreFunction] = [:]
        var exportViews: [String: CanonicalInstance] = [:]
        for export in plan.exports {
            let name = export.coreName
            let signature = CanonicalSignature(export.function).exportSignature
            functions[name] = try Self.function(export.core, signature, in: instances, "the lift of '\(name)'")
            if let postReturn = export.postReturn {
                functions["cabi_post_" + name] = try Self.function(
                    postReturn, CoreSignature(parameters: signature.results, results: []), in: instances, "the post-return of '\(name)'")
            }
            exportViews[name] =
                export.memory == main?.memory && export.realloc == main?.realloc
                ? primary : try Self.view(memory: export.memory, realloc: export.realloc, in: instances, sharingStateWith: root, role: "'\(name)'")
        }
        if let realloc = primary.realloc { functions["cabi_realloc"] = realloc }
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
