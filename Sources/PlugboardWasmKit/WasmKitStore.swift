import PlugboardABI
import Synchronization
@_spi(Fuzzing) import WasmKit
import WasmParser

/// A WasmKit store with its limiter, fuel and interruption, and the interpreter stacks its calls reuse.
///
/// Thread-confined like WasmKit's `Store`: the runtime's lease guarantees one thread uses it at a time.
final class WasmKitStore: CoreStore {
    /// Stores alive in the process, for leak checks (``WasmKitEngine/liveInstanceCount``).
    static let live = Atomic<Int>(0)

    let store: Store
    let limits: InstanceLimits
    private let accountant: ResourceAccountant
    private let metered: Bool
    let interrupter: (any CallInterrupter)?
    /// One interpreter stack per nesting level of calls into the guest, allocated on first use and reused: a call
    /// from the host is level 0, a call back into the guest from a host function it made (`cabi_realloc` lowering
    /// a result) level 1, and so on up to ``maxNesting``.
    private var stacks: [StackBox] = []
    private var depth = 0

    /// The deepest host↔guest nesting a store allows. The canonical ABI needs 2 (a host function lowering its
    /// result through `cabi_realloc`); past this a call traps instead of recursing on the host's native stack.
    static let maxNesting = 4

    private let counter: LiveCounter

    init(engine: WasmKit.Engine, limits: InstanceLimits, metered: Bool, counter: LiveCounter) {
        self.counter = counter
        counter.add(1)
        self.store = Store(engine: engine)
        self.limits = limits
        self.metered = metered
        self.accountant = ResourceAccountant(maxMemoryBytes: limits.maxMemoryBytes, maxTableElements: limits.maxTableElements)
        store.resourceLimiter = accountant
        self.interrupter = limits.interruptible ? FuelInterrupter(store: store) : nil
        if let fuel = limits.fuelPerCall { store.fuel = Fuel(remaining: fuel) }
        Self.live.add(1, ordering: .relaxed)
    }

    deinit {
        Self.live.subtract(1, ordering: .relaxed)
        counter.add(-1)
    }

    func instantiate(_ module: any CompiledModule, imports: [CoreImport]) throws -> any CoreInstance {
        guard let module = module as? WasmKitModule else {
            throw PlugboardError.invalidArgument("a module compiled by another engine was given to WasmKit")
        }
        let description = module.description
        // Memories of earlier instances in this store count toward the quota too.
        try limits.checkInitialSize(of: description, memoryBytesInUse: accountant.memoryBytes)
        var resolved = Imports()
        for entry in imports {
            switch entry.value {
            case .hostFunction(let hostFunction):
                resolved.define(module: entry.module, name: entry.name, makeFunction(hostFunction))
            case .export(let instance, let name):
                guard let instance = instance as? WasmKitInstance, instance.store === self else {
                    throw PlugboardError.invalidArgument("import \(entry.module).\(entry.name) names an instance of another store")
                }
                guard let value = instance.instance.exports[name] else {
                    throw PlugboardError.invalidModule(detail: "import \(entry.module).\(entry.name): the instance it is bound to exports nothing named '\(name)'")
                }
                resolved.define(module: entry.module, name: entry.name, value)
            }
        }
        accountant.expect(memories: description.definedMemories.count, tables: description.tables.filter { !$0.isImported }.count)
        do {
            let instance = try module.module.instantiate(store: store, imports: resolved)
            return WasmKitInstance(instance: instance, store: self)
        } catch {
            throw failure(error)
        }
    }

    /// A WasmKit host function for `hostFunction`: the raw form, so a call allocates no arrays for its arguments.
    private func makeFunction(_ hostFunction: CoreHostFunction) -> Function {
        let body = hostFunction.body
        let parameterCount = hostFunction.signature.parameters.count
        return Function(
            store: store, parameters: hostFunction.signature.parameters.map(\.wasmKit), results: hostFunction.signature.results.map(\.wasmKit)
        ) { _, parameters, results in
            let result = try withUnsafeTemporaryAllocation(of: CoreValue.self, capacity: max(parameterCount, 1)) { buffer in
                for index in 0..<parameterCount { buffer.initializeElement(at: index, to: CoreValue(parameters[index])) }
                return try body(UnsafeBufferPointer(rebasing: buffer[0..<parameterCount]))
            }
            if let result, !results.isEmpty { results[0] = result.wasmKit }
        }
    }

    func startCall() {
        // Also undoes an interrupt that came after the last call ended.
        if metered { store.fuel = limits.fuelPerCall.map { Fuel(remaining: $0) } }
        accountant.resetDenied()
    }

    var fuelUsed: UInt64? {
        guard let budget = limits.fuelPerCall, let remaining = store.fuel?.remaining else { return nil }
        return budget &- min(remaining, budget)
    }

    var deniedMemoryBytes: Int? { accountant.deniedMemoryBytes }
    var deniedTableElements: Int? { accountant.deniedTableElements }

    /// Runs `body` on the interpreter stack of the current nesting level.
    func withStack<R>(_ body: (inout ExecutionStack) throws -> R) throws -> R {
        guard depth < Self.maxNesting else { throw PlugboardError.nestingTooDeep(limit: Self.maxNesting) }
        if depth == stacks.count { stacks.append(StackBox(engine: store.engine)) }
        let box = stacks[depth]
        depth += 1
        defer { depth -= 1 }
        return try body(&box.stack)
    }

    /// The typed error for what WasmKit threw, with this store's limits named.
    func failure(_ error: any Error) -> PlugboardError {
        PlugboardError.fromWasmKit(error, stackSize: limits.stackBytes, fuelBudget: limits.fuelPerCall)
    }
}

/// An interpreter stack a store keeps for reuse (WasmKit's stack is non-copyable; the box lets the store hold one
/// per nesting level).
final class StackBox {
    var stack: ExecutionStack

    init(engine: WasmKit.Engine) { stack = ExecutionStack(engine: engine) }
}

/// Stops a running call on a fuel-metering store by emptying its fuel from another thread.
///
/// `@unchecked Sendable`: WasmKit 0.4.2 has no thread-safe interruption (no epoch, flag or interrupt handle; its
/// `Store` is thread-confined), and its interpreter reads the fuel cell afresh at every function entry, loop
/// iteration and `if` arm. Writing zero there from the deadline thread makes the guest trap at its next one. The
/// write is a word-sized store that races only with the interpreter's own read-modify-write of the same word,
/// which can overwrite it once; ``CallInterruption`` therefore repeats it every millisecond until the call ends.
/// The alternative WasmKit offers, an `EngineInterceptor` checking a flag on the guest's thread, runs only at
/// function entries (a loop without calls never sees it) and made calls 12× slower in a probe.
final class FuelInterrupter: CallInterrupter, @unchecked Sendable {
    private let store: Store

    init(store: Store) { self.store = store }

    func interrupt() { store.fuel = Fuel(remaining: 0) }
}
