import PlugboardABI

/// A component instantiated from its ``ComponentPlan`` in one engine store: its core instances, each lowered host
/// import bound to a Swift implementation through the canonical ABI (with the memory and realloc its options name),
/// and its lifted exports callable with WIT values. Confined to one thread at a time, like the store.
public final class ComponentInstance {
    /// Implements a host import: the lifted arguments in, the results to lower out.
    public typealias HostImplementation = ([WITValue]) throws -> [WITValue]

    let plan: ComponentPlan
    let store: any CoreStore
    private var instances: [any CoreInstance] = []
    /// The canonical views lowered imports and calls use (bindings hold them weakly).
    private var canonicalViews: [CanonicalInstance] = []
    private let maxOutputBytes: Int
    /// The instance's handles to resources, shared by every canonical view and `resource.drop`.
    let handles = HandleTable()

    /// Compiles the plan's modules on `engine`, binds every lowered import to `hosts["interface#function"]` (or
    /// `hosts["function"]` for a function imported by itself), and runs the plan's instantiations in `store`.
    /// - Throws: ``PlugboardError``: an import no implementation is given for (naming what the host offers), or
    ///   what instantiation throws.
    public init(plan: ComponentPlan, engine: any WasmEngine, store: any CoreStore, hosts: [String: HostImplementation], maxBytes: Int) throws {
        self.plan = plan
        self.store = store
        self.maxOutputBytes = maxBytes
        let modules = try plan.compileModules(on: engine)
        var bindings: [CanonicalBinding] = []
        var lowered: [CoreHostFunction] = []
        for entry in plan.lowered {
            let key = entry.interface.map { "\($0)#\(entry.function.name)" } ?? entry.function.name
            guard let implementation = hosts[key] else {
                throw PlugboardError(
                    .unknownImport, "the component imports '\(key)', which the host does not provide (it provides: \(hosts.keys.sorted().joined(separator: ", ")))",
                    hint: "Register a host function for it, or build the component without that import")
            }
            let binding = CanonicalBinding()
            bindings.append(binding)
            lowered.append(
                CanonicalCall.hostFunction(
                    module: entry.coreModule, signature: CanonicalSignature(entry.function), importName: key, binding: binding,
                    maxArgumentBytes: maxBytes, implementation: implementation))
        }
        store.startCall()
        instances = try plan.instantiate(modules, in: store, lowered: lowered, handles: handles) { step, made in
            self.instances = made
            // Lowered imports whose memory (and realloc) now exist can read and write it.
            for (index, entry) in plan.lowered.enumerated() where bindings[index].instance == nil {
                guard let view = try canonicalView(memory: entry.memory, realloc: entry.realloc, upTo: step) else { continue }
                canonicalViews.append(view)
                bindings[index].instance = view
            }
        }
    }

    /// The canonical view of the options `memory` and `realloc`, once the instances providing them exist.
    private func canonicalView(memory: ComponentPlan.CoreItem?, realloc: ComponentPlan.CoreItem?, upTo step: Int) throws -> CanonicalInstance? {
        guard ComponentPlan.CoreItem.isMade(memory, upTo: step), ComponentPlan.CoreItem.isMade(realloc, upTo: step) else { return nil }
        var linear: (any LinearMemory)?
        if case .export(let source, let name)? = memory {
            guard let found = instances[source].memory(named: name) else { throw PlugboardError.invalidComponent("no memory '\(name)' in core instance \(source)") }
            linear = found
        }
        return CanonicalInstance(memory: linear, realloc: try function(realloc), handles: handles)
    }

    private func function(_ item: ComponentPlan.CoreItem?) throws -> (any CoreFunction)? {
        switch item {
        case nil: return nil
        case .export(let source, let name)?:
            guard let function = instances[source].function(named: name) else { throw PlugboardError.invalidComponent("no function '\(name)' in core instance \(source)") }
            return function
        case .lowered?:
            throw PlugboardError.unsupportedComponentFeature("a lowered import used as a lifted function, realloc or post-return")
        case .resourceDrop?, .resourceNew?, .resourceRep?:
            throw PlugboardError.unsupportedComponentFeature("a resource intrinsic used as a lifted function, realloc or post-return")
        }
    }

    /// Calls export `function` of exported instance `interface` (`nil`: a function the component exports itself).
    public func call(_ interface: String?, _ function: String, arguments: [WITValue]) throws -> [WITValue] {
        guard let export = plan.exports.first(where: { $0.interface == interface && $0.function.name == function }) else {
            throw PlugboardError.noSuchFunction(function, in: interface ?? "the component", available: plan.exports.map(\.function.name))
        }
        guard let core = try self.function(export.core) else { throw PlugboardError.invalidComponent("export '\(function)' has no core function") }
        guard let view = try canonicalView(memory: export.memory, realloc: export.realloc, upTo: instances.count) else {
            throw PlugboardError.invalidComponent("export '\(function)' names a memory no instance provides")
        }
        let signature = CanonicalSignature(export.function)
        guard core.signature == signature.exportSignature else {
            throw PlugboardError.invalidComponent(
                "export '\(function)' lifts a core function of type \(core.signature), but its WIT type needs \(signature.exportSignature)")
        }
        store.startCall()
        return try CanonicalCall.callExport(
            CanonicalCall.Export(signature: signature, function: core, postReturn: try self.function(export.postReturn), coreName: function),
            arguments: arguments, on: view, maxOutputBytes: maxOutputBytes)
    }
}
