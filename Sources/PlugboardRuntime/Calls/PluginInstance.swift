import PlugboardABI
import PlugboardManifest

/// One live instance of a plugin: its store and instance, its exports and canonical view resolved once, its WASI
/// descriptors and captured output, and the deadline machinery of its calls.
///
/// Not thread-safe: a ``Plugin``'s pool lends each instance to one call at a time, and the call runs on one thread.
package final class PluginInstance {
    package let module: PluginModule
    package let context: PluginContext
    let store: any CoreStore
    let canonical: CanonicalInstance
    /// The engine's instance (a component's: its core instances and canonical views, which bindings hold weakly).
    private let core: any CoreInstance
    /// Parallel to ``PluginModule/exports``.
    private let exports: [CanonicalCall.Export]
    /// The canonical view each export is called through (parallel to ``exports``): ``canonical``, except for a
    /// component's exports lifted with options of their own.
    private let exportViews: [CanonicalInstance]
    let files: WASIFileTable
    let output: GuestOutput
    /// Stops the running call at its deadline or when its task is cancelled.
    let interruption: CallInterruption
    /// Where this instance's guest code runs (inline, or on its own queue).
    let guestThread: GuestThread
    /// What host functions read during this instance's calls.
    private let hostCalls: HostCallState
    /// The configuration generation `initialize` last ran with on this instance (0: never).
    var initializedGeneration: UInt64 = 0
    /// Whether `shutdown` ran (it is not run again when the instance is released).
    var isShutDown = false
    /// The size of the instance's linear memory after its last call.
    @exclusivity(unchecked) private(set) var memoryBytes = 0

    private init(
        module: PluginModule, context: PluginContext, store: any CoreStore, core: any CoreInstance, canonical: CanonicalInstance,
        exports: [CanonicalCall.Export], exportViews: [CanonicalInstance], files: WASIFileTable, output: GuestOutput, hostCalls: HostCallState, interruption: CallInterruption,
        mayRunInline: Bool
    ) {
        self.interruption = interruption
        self.module = module
        self.context = context
        self.store = store
        self.canonical = canonical
        self.exports = exports
        self.exportViews = exportViews
        self.core = core
        self.files = files
        self.output = output
        self.hostCalls = hostCalls
        self.guestThread = GuestThread(label: "plugboard.plugin.\(context.name)", mayRunInline: mayRunInline)
        self.memoryBytes = canonical.memory?.byteCount ?? 0
    }

    deinit {
        // The deadline timer outlives calls (see CallInterruption.begin); no call comes after this.
        interruption.disarm()
    }

    /// Instantiates `module` under the plugin's limits and runs its `start` function and `_initialize`, all within
    /// one call's deadline (so a module that loops at start-up is stopped like a call that loops). Runs guest code:
    /// call it on a loading thread.
    /// - Parameter capabilities: What this instance is granted (the plugin's, with a capability manager's changes).
    package static func make(_ module: PluginModule, context: PluginContext, capabilities: PluginCapabilities) throws -> PluginInstance {
        let limits = context.limits
        var instanceLimits = limits.instanceLimits
        instanceLimits.translatesOnFirstCall = module.description.byteCount >= PluginModule.translationOnFirstCallBytes
        let store = module.engine.makeStore(limits: instanceLimits)
        let binding = CanonicalBinding()
        let output = context.makeGuestOutput()
        let interruption = CallInterruption(interrupter: store.interrupter)
        let wasi = try WASIPreview1(output: output, capabilities: capabilities, stopCheck: { try interruption.checkNotStopped() })
        let hostCalls = HostCallState(context: context, networkAllowlist: capabilities.network, interruption: interruption)
        // Each import's core function, made for the binding through which it will see the instance.
        var makers: [ComponentModule.HostFunctionMaker] = module.imports.map { function, signature in
            if function.requiresNetworkCapability && capabilities.network.isEmpty {
                return (function.module, function.function.name, { Self.refusal(function, signature: signature, binding: $0) })
            }
            return (function.module, function.function.name, { Self.hostFunction(function, signature: signature, binding: $0, hostCalls: hostCalls, limits: limits) })
        }
        if !module.wasi2Imports.isEmpty {
            let wasi2 = WASIPreview2(
                output: output, capabilities: capabilities, files: wasi.files, maxRandomBytes: limits.hostCallBudgetBytes,
                stopCheck: { try interruption.checkNotStopped() })
            makers += wasi2.makers(for: module.wasi2Imports, limits: limits)
        }
        // Each phase of guest code gets a call's deadline: the start function (inside instantiation, which then
        // translates the module's code, host work a deadline cannot stop), and `_initialize`.
        var phase = "start"
        var started = CallInstant.now
        store.startCall()
        var call = interruption.begin(timeout: limits.loadTimeout)
        do {
            let instance: any CoreInstance
            let canonical: CanonicalInstance
            if let component = module.compiled as? ComponentModule {
                // Each lowered import and export sees the component through its own canonical options.
                let componentInstance = try component.instantiate(in: store, hostFunctions: makers, handleLimit: limits.maxResourceHandles)
                (instance, canonical) = (componentInstance, componentInstance.primaryView)
            } else {
                let hostFunctions = try wasi.hostFunctions(for: module.description.imports, binding: binding) + makers.map { $0.make(binding) }
                instance = try store.instantiate(module.compiled, hostFunctions: hostFunctions)
                canonical = CanonicalInstance(instance, handleLimit: limits.maxResourceHandles)
            }
            interruption.end(call: call)
            binding.instance = canonical
            if module.exportsInitializeFunction, let initialize = instance.function(named: "_initialize") {
                phase = "_initialize"
                started = CallInstant.now
                store.startCall()
                call = interruption.begin(timeout: limits.loadTimeout)
                _ = try initialize.call([])
                interruption.end(call: call)
            }
            var exports: [CanonicalCall.Export] = []
            var exportViews: [CanonicalInstance] = []
            for (binding, signature) in zip(module.exports, module.exportSignatures) {
                guard let function = instance.function(named: binding.coreName) else { throw PlugboardError.missingExport(binding.coreName) }
                exports.append(
                    CanonicalCall.Export(
                        signature: signature, function: function, postReturn: instance.function(named: "cabi_post_" + binding.coreName),
                        coreName: binding.coreName))
                exportViews.append((instance as? ComponentCoreInstance)?.view(ofExport: binding.coreName) ?? canonical)
            }
            return PluginInstance(
                module: module, context: context, store: store, core: instance, canonical: canonical, exports: exports, exportViews: exportViews, files: wasi.files,
                output: output, hostCalls: hostCalls, interruption: interruption,
                // Waiting for a host function, or on the host's own stdin and stdout, must not hold the cooperative pool.
                mayRunInline: !module.importsBlockingFunctions && capabilities.stdio != .inherit && capabilities.standardInput != .inherit)
        } catch {
            let stopped = interruption.end(call: call)
            interruption.disarm()
            output.flush()
            wasi.files.close()
            throw CallInterruption.failure(Self.typed(error), stoppedBecause: stopped, stoppedAfter: CallInstant.now - started)
                .inContext(plugin: context.displayName, function: phase == "start" ? nil : phase)
        }
    }

    /// Calls export `index` with `arguments`, on the current thread, under the plugin's limits and `deadline`.
    ///
    /// - Parameters:
    ///   - deadline: When the call must end (`nil`: no deadline); time spent waiting for the instance already counts.
    ///   - running: Where a cancellation of the calling task finds the call to stop.
    package func call(
        _ index: Int, arguments: [WITValue], deadline: CallInstant?, arrived: CallInstant? = nil, running: RunningCall? = nil
    ) -> GuestOutcome<[WITValue]> {
        run(exports[index].coreName, deadline: deadline, arrived: arrived, running: running) {
            try CanonicalCall.callExport(exports[index], arguments: arguments, on: exportViews[index], maxOutputBytes: context.limits.maxOutputBytes)
        }
    }

    /// Calls export `index` through typed bindings (see ``Plugin/call(_:_:)``), like ``call(_:arguments:deadline:arrived:running:)``.
    package func callTyped<R>(
        _ index: Int, deadline: CallInstant?, arrived: CallInstant?, running: RunningCall?, _ body: (ExportCall) throws -> R
    ) -> GuestOutcome<R> {
        run(exports[index].coreName, deadline: deadline, arrived: arrived, running: running) {
            try CanonicalCall.callTyped(exports[index], on: exportViews[index], maxOutputBytes: context.limits.maxOutputBytes, body)
        }
    }

    /// Calls the instance's core export `name`, a function without parameters or results (a WASI command's
    /// `_start`), as one call like ``call(_:arguments:deadline:arrived:running:)``.
    package func callCoreFunction(
        _ name: String, deadline: CallInstant?, arrived: CallInstant? = nil, running: RunningCall? = nil
    ) -> GuestOutcome<Void> {
        run(name, deadline: deadline, arrived: arrived, running: running) {
            guard let function = core.function(named: name) else { throw PlugboardError.missingExport(name) }
            _ = try function.call([])
        }
    }

    /// The WIT function export `index` implements.
    package func function(_ index: Int) -> WITFunction { exports[index].signature.function }

    /// Runs guest work as one call: fuel refilled, deadline armed (and cancellation honoured), the outcome measured
    /// and its failure classified.
    /// - Parameter arrived: When the call arrived (before waiting for this instance), so a timeout reports the whole wait.
    package func run<T>(
        _ function: String, deadline: CallInstant?, arrived: CallInstant? = nil, running: RunningCall?, _ work: () throws -> T
    ) -> GuestOutcome<T> {
        let limits = context.limits
        store.startCall()
        let started = CallInstant.now
        let id = interruption.begin(deadline: deadline, limit: limits.timeout, since: arrived ?? started)
        if running?.started(id) == true { interruption.cancel(call: id) }
        hostCalls.beginCall(deadline: deadline)
        let result = Result { try work() }
        let duration = CallInstant.now - started
        let stopReason = interruption.end(call: id)
        memoryBytes = canonical.memory?.byteCount ?? 0
        switch result {
        case .success(let value):
            return GuestOutcome(result: .success(value), duration: duration, fuelUsed: store.fuelUsed, memoryBytes: memoryBytes)
        case .failure(let error):
            output.flush()
            let stoppedAfter = CallInstant.now - (arrived ?? started)
            var failure = CallInterruption.failure(Self.typed(error), stoppedBecause: stopReason, stoppedAfter: stoppedAfter)
            if !failure.isLimitTrap, let denied = store.deniedMemoryBytes {
                failure = .memoryGrowthOverLimit(requestedBytes: denied, limitBytes: limits.maxMemoryBytes, after: failure)
            } else if !failure.isLimitTrap, let denied = store.deniedTableElements {
                failure = .tableGrowthOverLimit(requestedElements: denied, limitElements: limits.maxTableElements, after: failure)
            }
            if failure.code == .outOfBoundsMemoryAccess, let size = canonical.memory?.byteCount {
                failure.message += " (its linear memory is \(PlugboardError.byteText(size)))"
            }
            let fuel = failure.code == .fuelExhausted ? limits.fuelPerCall : stopReason == nil ? store.fuelUsed : nil
            return GuestOutcome(
                result: .failure(failure.inContext(plugin: context.displayName, function: function)), duration: duration, fuelUsed: fuel,
                memoryBytes: memoryBytes)
        }
    }

    /// Releases the instance: its descriptors are closed and its captured output flushed.
    package func close() {
        output.flush()
        files.close()
        // Resources the host lent for good and the plugin never dropped: their destructors are due now.
        for resource in canonical.handles.removeAll() { resource.destroy() }
    }

    /// A typed error for anything guest execution threw (engines already throw ``PlugboardError``s).
    static func typed(_ error: any Error) -> PlugboardError {
        if let error = error as? PlugboardError { return error }
        return PlugboardError(.trap, "the engine failed: \(String(describing: error).prefix(500))", hint: "This may be a bug in the plugin or in the engine")
    }

    /// The core function bound to an import the plugin has no capability for: fails the call without reading anything.
    private static func refusal(_ function: HostFunction, signature: CanonicalSignature, binding: CanonicalBinding) -> CoreHostFunction {
        let importName = function.importName
        guard let results = function.resultsWithoutCapability else {
            return CoreHostFunction(module: function.module, name: function.function.name, signature: signature.importSignature) { _ in
                throw PlugboardError.capabilityMissing(importName, capability: "network")
            }
        }
        return CanonicalCall.hostFunction(module: function.module, signature: signature, importName: importName, binding: binding, answering: results)
    }

    /// The core function a guest imports for a Swift host function: lifts the arguments under the plugin's host-call
    /// budget, runs the implementation with the plugin's context, lowers the results.
    private static func hostFunction(
        _ function: HostFunction, signature: CanonicalSignature, binding: CanonicalBinding, hostCalls: HostCallState, limits: PluginLimits
    ) -> CoreHostFunction {
        let importName = function.importName
        if let lowered = function.lowered {
            return CanonicalCall.typedHostFunction(
                module: function.module, signature: signature, importName: importName, binding: binding, maxArgumentBytes: limits.hostCallBudgetBytes,
                stopCheck: { [interruption = hostCalls.interruption] in try interruption.checkNotStopped() }
            ) { call in
                do {
                    return try lowered(hostCalls.current, &call)
                } catch let failure as HostFunction.ImplementationFailure {
                    if let error = failure.underlying as? PlugboardError, error.code == .hostFunctionFailed || error.code == .pluginExited { throw error }
                    throw PlugboardError.hostFunctionFailed(importName, underlying: failure.underlying)
                }
            }
        }
        let implementation = function.implementation
        return CanonicalCall.hostFunction(
            module: function.module, signature: signature, importName: importName, binding: binding, maxArgumentBytes: limits.hostCallBudgetBytes,
            stopCheck: { [interruption = hostCalls.interruption] in try interruption.checkNotStopped() }
        ) { arguments in
            do {
                return try implementation(hostCalls.current, arguments)
            } catch let error as PlugboardError where error.code == .hostFunctionFailed || error.code == .pluginExited {
                throw error
            } catch {
                throw PlugboardError.hostFunctionFailed(importName, underlying: error)
            }
        }
    }
}

/// What one guest call produced, measured on the thread that ran it.
package struct GuestOutcome<T> {
    package var result: Result<T, PlugboardError>
    /// From entering the guest to its return or failure (waiting for an instance is not included).
    package var duration: Duration
    /// Fuel the call used, when the plugin has a fuel budget.
    package var fuelUsed: UInt64?
    /// The instance's linear memory after the call.
    package var memoryBytes: Int
}

extension GuestOutcome: Sendable where T: Sendable {}

/// The ``HostCallContext`` an instance's host functions read, refreshed when the plugin's configuration or identity
/// changes (checked with one atomic load per host call) and given each call's deadline.
final class HostCallState {
    private let context: PluginContext
    private let networkAllowlist: [NetworkPattern]
    @exclusivity(unchecked) private var cached: HostCallContext
    @exclusivity(unchecked) private var generation: UInt64
    /// What host functions check between steps of long work (``CallInterruption/checkNotStopped()``).
    let interruption: CallInterruption

    init(context: PluginContext, networkAllowlist: [NetworkPattern], interruption: CallInterruption) {
        self.context = context
        self.interruption = interruption
        self.networkAllowlist = networkAllowlist
        self.generation = context.generation
        self.cached = context.makeHostCallContext(networkAllowlist: networkAllowlist)
    }

    func beginCall(deadline: CallInstant?) {
        refresh()
        cached.callDeadline = deadline
    }

    /// The context for the host call now running: lent, not copied (a copy costs a retain per field).
    var current: HostCallContext {
        _read {
            refresh()
            yield cached
        }
    }

    private func refresh() {
        let now = context.generation
        guard now != generation else { return }
        let deadline = cached.callDeadline
        cached = context.makeHostCallContext(networkAllowlist: networkAllowlist)
        cached.callDeadline = deadline
        generation = now
    }
}
