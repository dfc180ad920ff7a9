/// A WebAssembly engine Plugboard can run plugins on. `WasmKitEngine` is the embedded default.
///
/// The engine works at the core-module level only; the canonical ABI, WASI and sandboxing are Plugboard's and sit
/// above it, so another engine (Wasmtime through its C API) can slot in. The protocol is staged as the work is:
/// ``compile(_:)`` once per module (shareable between threads), ``makeStore(limits:)`` once per live plugin
/// instance, then ``CoreStore/instantiate(_:imports:)`` and calls through resolved ``CoreFunction`` handles,
/// so nothing on the call path is looked up by name.
public protocol WasmEngine: Sendable {
    /// A human-readable name with version, e.g. `WasmKit 0.4.2`.
    var name: String { get }

    /// Parses and validates a core module that has passed ``ModuleDescription/init(parsing:limits:)``, so no
    /// guest-controlled depth reaches the engine's parser; `description` is what that screening made of exactly these
    /// bytes (``CompiledModule/description`` carries it). ``compile(_:)`` screens and calls this.
    func compile(_ bytes: [UInt8], screened description: ModuleDescription) throws -> any CompiledModule

    /// Screens the bytes (``ModuleDescription/init(parsing:limits:)``), then compiles them
    /// (``compile(_:screened:)``, which the default implementation calls).
    func compile(_ bytes: [UInt8]) throws -> any CompiledModule

    /// A store for one plugin instance (one core instance, or the several linked core instances of a component)
    /// held to `limits`.
    func makeStore(limits: InstanceLimits) -> any CoreStore
}

extension WasmEngine {
    public func compile(_ bytes: [UInt8]) throws -> any CompiledModule {
        try compile(bytes, screened: try ModuleDescription(parsing: bytes))
    }
}

/// A parsed and validated core module, shareable between instances and threads.
public protocol CompiledModule: Sendable {
    var description: ModuleDescription { get }
}

/// Where instances live: their memory and table quota, fuel and interruption. Confined to one thread at a time
/// (the one running its instance's calls); only ``interrupter`` may be used from others.
///
/// A store holds several core instances that link to each other, as a component's do: an instance may import the
/// functions, memories, tables and globals an earlier instance of the same store exports, an active element segment
/// may fill an imported table, and `call_indirect` through it may reach a host function. The quota covers all of
/// them together: memories summed, tables summed.
public protocol CoreStore: AnyObject {
    /// Instantiates `module` with its imports bound to `imports` (every import must be provided, with its type).
    /// The module's `start` function runs inside, under the store's fuel and interruption, so start a call
    /// (``startCall()``) and arm the deadline first.
    /// - Throws: ``PlugboardError``: an import missing or of the wrong type, an item of another store, memory or
    ///   tables over the quota, or a trap in `start`.
    func instantiate(_ module: any CompiledModule, imports: [CoreImport]) throws -> any CoreInstance

    /// Starts a top-level call (or an instantiation): refills the per-call fuel and forgets an earlier interrupt
    /// and earlier denied growth.
    func startCall()
    /// Fuel used since ``startCall()``, or `nil` when the store is not fuel-metered with a budget.
    var fuelUsed: UInt64? { get }
    /// The largest memory size, in bytes, a `memory.grow` asked for and was denied since ``startCall()``.
    var deniedMemoryBytes: Int? { get }
    /// The largest table size, in elements, a `table.grow` asked for and was denied since ``startCall()``.
    var deniedTableElements: Int? { get }
    /// What stops this store's running call from another thread, or `nil` when its limits are not interruptible;
    /// the same for the store's life (it is read once, when an instance is made).
    var interrupter: (any CallInterrupter)? { get }
}

extension CoreStore {
    /// Instantiates `module` with `hostFunctions` bound to its function imports (a plain module: every import is a
    /// host function).
    public func instantiate(_ module: any CompiledModule, hostFunctions: [CoreHostFunction]) throws -> any CoreInstance {
        try instantiate(module, imports: hostFunctions.map { CoreImport(module: $0.module, name: $0.name, value: .hostFunction($0)) })
    }
}

/// One import of a core module, bound.
public struct CoreImport {
    /// What an import is bound to.
    public enum Value {
        /// A host function.
        case hostFunction(CoreHostFunction)
        /// The item (function, memory, table or global) an earlier instance of the same store exports as `name`.
        case export(any CoreInstance, name: String)
    }

    public var module: String
    public var name: String
    public var value: Value

    public init(module: String, name: String, value: Value) {
        self.module = module
        self.name = name
        self.value = value
    }
}

/// A live instance of a module, in its store; confined like the store.
public protocol CoreInstance: AnyObject {
    /// The exported function `name`, resolved once: keep the handle and call it as often as needed.
    func function(named name: String) -> (any CoreFunction)?
    /// The instance's exported linear memory `memory`, if any.
    var memory: (any LinearMemory)? { get }
    /// The linear memory the instance exports as `name`, if any.
    func memory(named name: String) -> (any LinearMemory)?
}

/// A resolved guest function. Calls may nest (a host function may call back into the guest, as lowering a
/// result through `cabi_realloc` does) up to a small fixed depth; deeper nesting is refused with a trap.
public protocol CoreFunction: AnyObject {
    var signature: CoreSignature { get }
    /// Calls the function; the arguments must match ``signature``.
    func call(_ arguments: [CoreValue]) throws -> [CoreValue]
    /// Calls the function with its arguments in the first slots of `slots` and leaves its results there, in order:
    /// the call path without arrays, for the host's own small calls (`cabi_realloc`). `slots` must hold at least
    /// as many values as the function has parameters and results; the arguments must match ``signature``.
    func call(inPlace slots: UnsafeMutableBufferPointer<CoreValue>) throws
}

extension CoreFunction {
    /// Through ``call(_:)``, for engines without a faster path.
    public func call(inPlace slots: UnsafeMutableBufferPointer<CoreValue>) throws {
        let signature = self.signature
        guard slots.count >= max(signature.parameters.count, signature.results.count) else {
            throw PlugboardError.invalidArgument("\(slots.count) slots for a function of \(signature.parameters.count) parameters and \(signature.results.count) results")
        }
        let results = try call(Array(slots.prefix(signature.parameters.count)))
        guard results.count == signature.results.count else {
            throw PlugboardError.flatArityMismatch(expected: signature.results.count, got: results.count)
        }
        for (index, result) in results.enumerated() { slots[index] = result }
    }
}

/// Stops a store's running call from any thread: the guest traps at its next loop iteration or function entry.
/// An interrupt that comes when no call runs affects nothing: every call begins with ``CoreStore/startCall()``.
public protocol CallInterrupter: Sendable {
    func interrupt()
}

/// What an engine holds one store to.
public struct InstanceLimits: Sendable, Hashable {
    /// The most linear memory, in bytes, each memory may have.
    public var maxMemoryBytes: Int
    /// The most elements of all tables together (each costs the host one machine word).
    public var maxTableElements: Int
    /// The interpreter's (or native) stack for guest code, in bytes: it bounds recursion depth.
    public var stackBytes: Int
    /// Fuel per call (see ``CoreStore/startCall()``); `nil` for none.
    public var fuelPerCall: UInt64?
    /// Whether a running call must be stoppable from another thread (``CoreStore/interrupter``).
    public var interruptible: Bool
    /// Whether functions are translated when first called rather than all at instantiation: for very large
    /// modules (CPython's), where translating thousands of functions no call reaches dominates instantiation. An
    /// invalid function body is then an error of the call that reaches it, not of the load.
    public var translatesOnFirstCall = false

    public init(maxMemoryBytes: Int, maxTableElements: Int = 100_000, stackBytes: Int = 512 << 10, fuelPerCall: UInt64? = nil, interruptible: Bool = false) {
        self.maxMemoryBytes = maxMemoryBytes
        self.maxTableElements = maxTableElements
        self.stackBytes = stackBytes
        self.fuelPerCall = fuelPerCall
        self.interruptible = interruptible
    }
}

/// A host function bound to a module's function import at the core level.
///
/// Host functions return at most one core value: canonical-ABI lowered imports return larger results through a
/// pointer, and WASI functions return one errno.
public struct CoreHostFunction {
    public var module: String
    public var name: String
    public var signature: CoreSignature
    /// Runs the function on the thread running the guest. The arguments match ``signature``'s parameters (the
    /// buffer is valid only during the call); the result is `nil` when ``signature`` has no result.
    public var body: (_ arguments: UnsafeBufferPointer<CoreValue>) throws -> CoreValue?

    public init(
        module: String, name: String, signature: CoreSignature, body: @escaping (_ arguments: UnsafeBufferPointer<CoreValue>) throws -> CoreValue?
    ) {
        precondition(signature.results.count <= 1, "host functions return at most one core value")
        self.module = module
        self.name = name
        self.signature = signature
        self.body = body
    }
}
