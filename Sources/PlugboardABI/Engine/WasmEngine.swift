/// A WebAssembly engine Plugboard can run plugins on. ``WasmKitEngine`` is the embedded default.
///
/// The engine works at the core-module level only; the canonical ABI, WASI and sandboxing are Plugboard's
/// and sit above it, so another engine (e.g. wasmtime through its C API) can slot in.
public protocol WasmEngine: Sendable {
    /// A human-readable name with version, e.g. `WasmKit 0.4.2`.
    var name: String { get }

    /// Parses and validates a core module.
    func compile(_ bytes: [UInt8]) throws -> any CompiledModule

    /// Instantiates a compiled module with the given host functions bound to its imports.
    /// Every function import of the module must be provided.
    func instantiate(_ module: any CompiledModule, hostFunctions: [CoreHostFunction]) throws -> any CoreInstance

    /// Instantiates with per-instance limits: memory quota (enforced at instantiation and on `memory.grow`),
    /// interpreter stack, a fuel budget per call (see ``CoreInstance/startCall()``), and, when
    /// ``InstanceLimits/interruptible``, an instance whose running calls can be stopped (``CoreInstance/interrupter``).
    func instantiate(_ module: any CompiledModule, hostFunctions: [CoreHostFunction], limits: InstanceLimits) throws -> any CoreInstance
}

extension WasmEngine {
    /// Engines without limit support ignore `limits` (only the output limit, enforced above the engine, applies).
    public func instantiate(_ module: any CompiledModule, hostFunctions: [CoreHostFunction], limits: InstanceLimits) throws -> any CoreInstance {
        try instantiate(module, hostFunctions: hostFunctions)
    }
}

/// What an engine holds one instance to.
public struct InstanceLimits: Sendable, Hashable {
    /// The most linear memory, in bytes.
    public var maxMemoryBytes: Int
    /// The interpreter's (or native) stack for guest code, in bytes.
    public var stackBytes: Int
    /// Fuel per call (see ``CoreInstance/startCall()``); `nil` for none.
    public var fuelPerCall: UInt64?
    /// Whether a running call must be stoppable from another thread (``CoreInstance/interrupter``).
    public var interruptible: Bool

    public init(maxMemoryBytes: Int, stackBytes: Int, fuelPerCall: UInt64? = nil, interruptible: Bool = false) {
        self.maxMemoryBytes = maxMemoryBytes
        self.stackBytes = stackBytes
        self.fuelPerCall = fuelPerCall
        self.interruptible = interruptible
    }
}

/// A parsed and validated core module, shareable between instances and threads.
public protocol CompiledModule: Sendable {
    var description: ModuleDescription { get }
}

/// Something that can call a guest's exports and reach its memory: an instance, or the caller of a host function.
public protocol CoreCaller {
    /// The guest's exported `memory`, if any.
    var memory: (any LinearMemory)? { get }
    /// Whether the guest exports a function with this name.
    func exportsFunction(_ name: String) -> Bool
    /// Calls an exported function with core values.
    func call(_ name: String, _ arguments: [CoreValue]) throws -> [CoreValue]
}

/// A live instance of a module. Not thread-safe: confine it to one actor.
public protocol CoreInstance: AnyObject, CoreCaller {
    /// Starts a top-level call: refills the per-call fuel budget and forgets earlier denied memory growth.
    func startCall()
    /// Fuel used since ``startCall()``, or `nil` when the instance is not fuel-metered.
    var fuelUsed: UInt64? { get }
    /// The largest memory size, in bytes, a `memory.grow` asked for and was denied since ``startCall()``.
    var deniedMemoryBytes: Int? { get }
    /// What stops this instance's running call from another thread, or `nil` when the engine cannot.
    var interrupter: (any CallInterrupter)? { get }
}

/// Stops an instance's running call from any thread: the guest traps at its next loop iteration or function
/// entry (with the engine's out-of-fuel trap on WasmKit). Calling it when no call runs affects only the next
/// call until ``CoreInstance/startCall()`` resets the instance, which every call begins with.
public protocol CallInterrupter: Sendable {
    func interrupt()
}

extension CoreInstance {
    public func startCall() {}
    public var fuelUsed: UInt64? { nil }
    public var deniedMemoryBytes: Int? { nil }
    public var interrupter: (any CallInterrupter)? { nil }
}

/// A host function bound to a module's import at the core level.
public struct CoreHostFunction {
    public var module: String
    public var name: String
    public var signature: CoreSignature
    /// Runs the function; `caller` is the instance that called it.
    public var body: (any CoreCaller, [CoreValue]) throws -> [CoreValue]

    public init(module: String, name: String, signature: CoreSignature, body: @escaping (any CoreCaller, [CoreValue]) throws -> [CoreValue]) {
        self.module = module
        self.name = name
        self.signature = signature
        self.body = body
    }
}
