import CWasmtime
import PlugboardABI
import Synchronization

/// A Wasmtime store with its limiter, fuel and epoch deadline. Thread-confined like WasmKit's: the runtime's lease
/// guarantees one thread uses it at a time; only ``interrupter`` is used from others.
final class WasmtimeStore: CoreStore {
    /// Stores alive in the process (``WasmtimeEngine/liveStoreCount``).
    static let live = Atomic<Int>(0)

    /// The deepest host↔guest nesting a store allows, as on WasmKit.
    static let maxNesting = 4

    let engine: WasmtimeEngineHandle
    let api: pb_wasmtime_api
    let limits: InstanceLimits
    let store: OpaquePointer
    let context: OpaquePointer
    private let epoch: WasmtimeInterrupter
    /// The memories' quota (Plugboard's own memories ask it before growing; the limiter bounds tables).
    private let memoryQuota: WasmtimeMemoryQuota
    let interrupter: (any CallInterrupter)?
    /// What a host function threw during the current call: rethrown when the guest has unwound.
    var pendingError: (any Error)?
    private var depth = 0

    init(engine: WasmtimeEngineHandle, library: WasmtimeLibrary.Loaded, limits: InstanceLimits) {
        self.engine = engine
        self.api = library.api
        self.limits = limits
        store = api.wasmtime_store_new(engine.pointer, nil, nil)!
        context = api.wasmtime_store_context(store)!
        memoryQuota = WasmtimeMemoryQuota(maxBytes: limits.maxMemoryBytes)
        api.wasmtime_store_limiter(store, -1, Int64(clamping: limits.maxTableElements), -1, -1, -1)
        epoch = WasmtimeInterrupter(engine: engine)
        interrupter = limits.interruptible ? epoch : nil
        api.wasmtime_store_epoch_deadline_callback(
            store, wasmtimeEpochDeadlineReached, Unmanaged.passRetained(epoch).toOpaque(), { Unmanaged<WasmtimeInterrupter>.fromOpaque($0!).release() })
        Self.live.add(1, ordering: .relaxed)
    }

    deinit {
        api.wasmtime_store_delete(store)
        Self.live.subtract(1, ordering: .relaxed)
    }

    func instantiate(_ module: any CompiledModule, imports: [CoreImport]) throws -> any CoreInstance {
        guard let module = module as? WasmtimeModule else {
            throw PlugboardError.invalidArgument("a module compiled by another engine was given to Wasmtime")
        }
        let description = module.description
        // Memories of earlier instances in this store count toward the quota too.
        try limits.checkInitialSize(of: description, memoryBytesInUse: memoryQuota.total)
        let compiled = try module.compiled(on: engine)
        var bound: [String: CoreImport.Value] = [:]
        for entry in imports { bound[entry.module + "\u{0}" + entry.name] = entry.value }
        var externs: [wasmtime_extern_t] = []
        externs.reserveCapacity(description.imports.count)
        for wanted in description.imports {
            guard let value = bound[wanted.module + "\u{0}" + wanted.name] else { throw PlugboardError.unknownImport(wanted, provided: []) }
            switch value {
            case .hostFunction(let hostFunction):
                guard case .function(let signature) = wanted.kind, signature == hostFunction.signature else {
                    if case .function(let signature) = wanted.kind {
                        throw PlugboardError.importSignatureMismatch(wanted, expected: hostFunction.signature, got: signature)
                    }
                    throw PlugboardError.unknownImport(wanted, provided: [])
                }
                externs.append(makeFunction(hostFunction))
            case .export(let instance, let name):
                guard let instance = instance as? WasmtimeInstance, instance.store === self else {
                    throw PlugboardError.invalidArgument("import \(wanted.fullName) names an instance of another store")
                }
                guard let item = instance.export(name) else {
                    throw PlugboardError.invalidModule(detail: "import \(wanted.fullName): the instance it is bound to exports nothing named '\(name)'")
                }
                externs.append(item)
            }
        }
        var instance = wasmtime_instance_t()
        var trap: OpaquePointer?
        let error = memoryQuota.governing {
            externs.withUnsafeBufferPointer { api.wasmtime_instance_new(context, compiled.pointer, $0.baseAddress, $0.count, &instance, &trap) }
        }
        try check(error: error, trap: trap)
        return WasmtimeInstance(instance: instance, module: compiled, description: description, store: self)
    }

    /// A host function bound into this store (its box is released by Wasmtime when the store is deleted).
    private func makeFunction(_ hostFunction: CoreHostFunction) -> wasmtime_extern_t {
        let box = WasmtimeHostFunction(hostFunction, store: self)
        let type = WasmtimeTypes.functionType(hostFunction.signature, api: api)
        defer { api.wasm_functype_delete(type) }
        var function = wasmtime_func_t()
        api.wasmtime_func_new_unchecked(
            context, type, wasmtimeHostFunctionCalled, Unmanaged.passRetained(box).toOpaque(),
            { Unmanaged<WasmtimeHostFunction>.fromOpaque($0!).release() }, &function)
        var item = wasmtime_extern_t()
        item.kind = wasmtime_extern_kind_t(PB_WASMTIME_EXTERN_FUNC)
        item.of.func = function
        return item
    }

    /// Runs one call into the guest (at most ``maxNesting`` deep) and maps what went wrong.
    func call(_ body: (inout OpaquePointer?) -> OpaquePointer?) throws {
        guard depth < Self.maxNesting else { throw PlugboardError.nestingTooDeep(limit: Self.maxNesting) }
        depth += 1
        defer { depth -= 1 }
        var trap: OpaquePointer?
        let error = body(&trap)
        try check(error: error, trap: trap)
    }

    /// Throws for a failed instantiation or call: a host function's own error first, else the trap or error.
    private func check(error: OpaquePointer?, trap: OpaquePointer?) throws {
        if let pending = pendingError {
            pendingError = nil
            if let error { api.wasmtime_error_delete(error) }
            if let trap { api.wasm_trap_delete(trap) }
            throw pending
        }
        if let trap {
            if let error { api.wasmtime_error_delete(error) }
            throw WasmtimeErrors.failure(ofTrap: trap, api: api, limits: limits)
        }
        if let error {
            if epoch.isInterrupted {
                api.wasmtime_error_delete(error)
                throw PlugboardError.guestTrap(.other("interrupted"), stack: "", fuelBudget: limits.fuelPerCall)
            }
            throw WasmtimeErrors.failure(ofError: error, api: api)
        }
    }

    func startCall() {
        epoch.reset()
        memoryQuota.resetDenied()
        api.wasmtime_context_set_epoch_deadline(context, 1)
        if let fuel = limits.fuelPerCall, let error = api.wasmtime_context_set_fuel(context, fuel) {
            api.wasmtime_error_delete(error)
        }
    }

    var fuelUsed: UInt64? {
        guard let budget = limits.fuelPerCall else { return nil }
        var remaining: UInt64 = 0
        if let error = api.wasmtime_context_get_fuel(context, &remaining) {
            api.wasmtime_error_delete(error)
            return nil
        }
        return budget &- min(remaining, budget)
    }

    var deniedMemoryBytes: Int? { memoryQuota.denied }
    /// The memory of this store's whose reservation starts at `base`, when it is one of Plugboard's own.
    func quotaMemory(at base: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<pb_quota_memory>? { memoryQuota.memory(at: base) }
    /// Wasmtime's limiter refuses table growth past the quota (`table.grow` answers -1) without saying how much was
    /// asked for.
    var deniedTableElements: Int? { nil }
}

/// Stops one store's running call: sets the store's flag, then bumps the engine's epoch so every running store
/// reaches its deadline; each store's deadline callback stops its call only if its own flag is set, and otherwise
/// lets it run on to the next epoch.
final class WasmtimeInterrupter: CallInterrupter, Sendable {
    private let engine: WasmtimeEngineHandle
    private let interrupted = Atomic<Bool>(false)

    init(engine: WasmtimeEngineHandle) { self.engine = engine }

    var isInterrupted: Bool { interrupted.load(ordering: .acquiring) }

    func reset() { interrupted.store(false, ordering: .releasing) }

    func interrupt() {
        interrupted.store(true, ordering: .releasing)
        engine.library.api.wasmtime_engine_increment_epoch(engine.pointer)
    }
}

/// The store's epoch deadline callback: stop the call when its store was interrupted, else continue one more epoch.
private let wasmtimeEpochDeadlineReached: wasmtime_epoch_deadline_callback_t = { _, data, delta, kind in
    let interrupter = Unmanaged<WasmtimeInterrupter>.fromOpaque(data!).takeUnretainedValue()
    if interrupter.isInterrupted {
        return interrupter.stopError()
    }
    delta?.pointee = 1
    kind?.pointee = 0  // continue
    return nil
}

extension WasmtimeInterrupter {
    /// The error that ends an interrupted call (the store maps it back from its flag).
    fileprivate func stopError() -> OpaquePointer? {
        engine.library.api.wasmtime_error_new("interrupted")
    }
}
