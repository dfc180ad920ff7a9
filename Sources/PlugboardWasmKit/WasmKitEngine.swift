import Synchronization
@_spi(Fuzzing) import WasmKit
import WasmParser
import WasmTypes
import PlugboardABI

/// The embedded default engine: WasmKit 0.4.2, a pure-Swift interpreter (no JIT, runs on iOS).
public struct WasmKitEngine: WasmEngine {
    /// Engine settings: the interpreter's stack size bounds guest recursion depth.
    ///
    /// Plugins loaded by a ``PluginHost`` get the stack of their ``PluginLimits/stackBytes`` instead; this one
    /// applies to ``instantiate(_:hostFunctions:)`` without limits.
    public struct Configuration: Sendable, Hashable {
        /// Interpreter stack in bytes (default 512 KiB: about 8,000 nested guest calls).
        public var stackSize: Int

        public init(stackSize: Int = 512 * 1024) {
            self.stackSize = stackSize
        }
    }

    public let configuration: Configuration
    package let engine: WasmKit.Engine
    /// Engines for other stack sizes and for fuel metering (which costs 10-35 % on compute-bound guests, so only
    /// plugins with a fuel budget or a deadline pay it), created on first use and shared by every plugin with the
    /// same settings.
    private let engines = EngineCache()

    public var name: String { "WasmKit 0.4.2" }

    /// How many instances (each with its store and linear memory) are alive in the process: bounded by the plugins
    /// and their pool sizes, whatever the number of reloads. For leak checks and diagnostics.
    public static var liveInstanceCount: Int { WasmKitInstance.live.load(ordering: .relaxed) }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        // Eager compilation rejects invalid function bodies at load, not at their first call.
        self.engine = Self.makeEngine(stackSize: configuration.stackSize, fuelMetering: false)
    }

    package static func makeEngine(stackSize: Int, fuelMetering: Bool) -> WasmKit.Engine {
        WasmKit.Engine(configuration: EngineConfiguration(compilationMode: .eager, stackSize: stackSize, fuelMetering: fuelMetering))
    }

    package func engine(stackSize: Int, fuelMetering: Bool) -> WasmKit.Engine {
        if stackSize == configuration.stackSize && !fuelMetering { return engine }
        return engines.engine(stackSize: stackSize, fuelMetering: fuelMetering)
    }

    public func compile(_ bytes: [UInt8]) throws -> any CompiledModule {
        let description = try ModuleDescription(parsing: bytes)
        do {
            return WasmKitModule(module: try parseWasm(bytes: bytes), description: description)
        } catch {
            throw PlugboardError.invalidModule(detail: "\(error)")
        }
    }

    public func instantiate(_ module: any CompiledModule, hostFunctions: [CoreHostFunction]) throws -> any CoreInstance {
        try instantiate(
            module, hostFunctions: hostFunctions, stackSize: configuration.stackSize, limiter: nil, fuelPerCall: nil, interruptible: false)
    }

    public func instantiate(_ module: any CompiledModule, hostFunctions: [CoreHostFunction], limits: InstanceLimits) throws -> any CoreInstance {
        try instantiate(
            module, hostFunctions: hostFunctions, stackSize: limits.stackBytes,
            limiter: MemoryLimiter(maxBytes: limits.maxMemoryBytes), fuelPerCall: limits.fuelPerCall, interruptible: limits.interruptible)
    }

    /// - Parameter interruptible: Run on a fuel-metering engine even without a budget, so that the instance's
    ///   ``CoreInstance/interrupter`` can stop a running call by emptying the fuel.
    private func instantiate(
        _ module: any CompiledModule, hostFunctions: [CoreHostFunction], stackSize: Int, limiter: MemoryLimiter?, fuelPerCall: UInt64?,
        interruptible: Bool
    ) throws -> any CoreInstance {
        guard let module = module as? WasmKitModule else {
            throw PlugboardError.invalidArgument("a module compiled by another engine was given to \(name)")
        }
        if let limiter, let pages = module.description.memory?.minimumPages {
            let (bytes, overflow) = pages.multipliedReportingOverflow(by: 65536)
            if overflow || bytes > UInt64(limiter.maxBytes) {
                throw PlugboardError.initialMemoryOverLimit(requestedBytes: overflow ? Int.max : Int(bytes), limitBytes: limiter.maxBytes)
            }
        }
        let metered = fuelPerCall != nil || interruptible
        let store = Store(engine: engine(stackSize: stackSize, fuelMetering: metered))
        if let limiter { store.resourceLimiter = limiter }
        if let fuelPerCall { store.fuel = Fuel(remaining: fuelPerCall) }
        var imports = Imports()
        for hostFunction in hostFunctions {
            let body = hostFunction.body
            let function = Function(
                store: store,
                parameters: hostFunction.signature.parameters.map(\.wasmKit),
                results: hostFunction.signature.results.map(\.wasmKit)
            ) { caller, arguments in
                guard let instance = caller.instance else { throw PlugboardError.invalidArgument("host function called without an instance") }
                let results = try body(WasmKitCaller(instance: instance, stackSize: stackSize, fuelBudget: fuelPerCall), arguments.map(CoreValue.init))
                return results.map(\.wasmKit)
            }
            imports.define(module: hostFunction.module, name: hostFunction.name, function)
        }
        do {
            let instance = try module.module.instantiate(store: store, imports: imports)
            return WasmKitInstance(
                store: store, instance: instance, stackSize: stackSize, limiter: limiter, fuelPerCall: fuelPerCall, interruptible: metered)
        } catch {
            throw PlugboardError.fromEngine(error, stackSize: stackSize, fuelBudget: fuelPerCall)
        }
    }
}

package struct WasmKitModule: CompiledModule {
    package let module: WasmKit.Module
    package let description: ModuleDescription
}

/// A WasmKit instance with its store; thread-confined like the store.
package final class WasmKitInstance: CoreInstance {
    /// Instances alive in the process, for leak checks (``WasmKitEngine/liveInstanceCount``).
    package static let live = Atomic<Int>(0)
    package let store: Store
    package let instance: Instance
    private let caller: WasmKitCaller
    private let limiter: MemoryLimiter?
    private let fuelPerCall: UInt64?
    package let interrupter: (any CallInterrupter)?

    package init(
        store: Store, instance: Instance, stackSize: Int, limiter: MemoryLimiter? = nil, fuelPerCall: UInt64? = nil, interruptible: Bool = false
    ) {
        self.store = store
        self.instance = instance
        self.caller = WasmKitCaller(instance: instance, stackSize: stackSize, fuelBudget: fuelPerCall)
        self.limiter = limiter
        self.fuelPerCall = fuelPerCall
        self.interrupter = interruptible ? FuelInterrupter(store: store) : nil
        Self.live.add(1, ordering: .relaxed)
    }

    deinit {
        Self.live.subtract(1, ordering: .relaxed)
    }

    package func startCall() {
        // Also undoes an interrupt that came after the last call ended.
        if fuelPerCall != nil || interrupter != nil { store.fuel = fuelPerCall.map { Fuel(remaining: $0) } }
        limiter?.resetDenied()
    }

    package var fuelUsed: UInt64? {
        guard let fuelPerCall, let remaining = store.fuel?.remaining else { return nil }
        return fuelPerCall &- min(remaining, fuelPerCall)
    }

    package var deniedMemoryBytes: Int? { limiter?.denied }

    package var memory: (any LinearMemory)? { caller.memory }
    package func exportsFunction(_ name: String) -> Bool { caller.exportsFunction(name) }
    package func call(_ name: String, _ arguments: [CoreValue]) throws -> [CoreValue] { try caller.call(name, arguments) }
}

/// Stops a running call on a fuel-metering store by emptying its fuel from another thread.
///
/// `@unchecked Sendable`: a `Store` is confined to its instance's thread, and this writes its fuel from another
/// one while the guest runs. The interpreter reads the fuel afresh at every loop iteration and function entry, so
/// the guest traps at its next one; the write is a word-sized store that can only race with the interpreter's own
/// update of the same word, which may overwrite it once (``CallInterruption`` repeats it until the call ends).
package final class FuelInterrupter: CallInterrupter, @unchecked Sendable {
    private let store: Store

    package init(store: Store) { self.store = store }

    package func interrupt() { store.fuel = Fuel(remaining: 0) }
}

package struct WasmKitCaller: CoreCaller {
    package let instance: Instance
    /// The engine's interpreter stack size, so a stack overflow is reported with the limit it hit.
    package let stackSize: Int
    /// The per-call fuel budget, so running out is reported with it.
    package var fuelBudget: UInt64? = nil

    package var memory: (any LinearMemory)? { instance.exports[memory: "memory"].map(WasmKitMemory.init) }

    package func exportsFunction(_ name: String) -> Bool { instance.exports[function: name] != nil }

    package func call(_ name: String, _ arguments: [CoreValue]) throws -> [CoreValue] {
        guard let function = instance.exports[function: name] else { throw PlugboardError.missingExport(name) }
        let results: [Value]
        do {
            results = try function.invoke(arguments.map(\.wasmKit))
        } catch let error as PlugboardError {
            throw error
        } catch {
            throw PlugboardError.fromEngine(error, stackSize: stackSize, fuelBudget: fuelBudget)
        }
        return results.map(CoreValue.init)
    }
}

/// Shared WasmKit engines by stack size and fuel metering (an engine is `Sendable`; stores are per instance).
package final class EngineCache: Sendable {
    private struct Key: Hashable {
        var stackSize: Int
        var fuelMetering: Bool
    }

    private let engines = Mutex<[Key: WasmKit.Engine]>([:])

    package func engine(stackSize: Int, fuelMetering: Bool) -> WasmKit.Engine {
        engines.withLock { engines in
            let key = Key(stackSize: stackSize, fuelMetering: fuelMetering)
            if let engine = engines[key] { return engine }
            let engine = WasmKitEngine.makeEngine(stackSize: stackSize, fuelMetering: fuelMetering)
            engines[key] = engine
            return engine
        }
    }
}

/// Holds a plugin's linear memory to its quota: a `memory.grow` past it returns -1 to the guest, and the
/// largest denied size is kept so a call that then fails can say why.
package final class MemoryLimiter: ResourceLimiter {
    package let maxBytes: Int
    private let deniedBytes = Mutex<Int?>(nil)

    package init(maxBytes: Int) { self.maxBytes = maxBytes }

    package func limitMemoryGrowth(to desired: Int) throws -> Bool {
        guard desired > maxBytes else { return true }
        deniedBytes.withLock { $0 = max($0 ?? 0, desired) }
        return false
    }

    package func limitTableGrowth(to desired: Int) throws -> Bool { true }

    package var denied: Int? { deniedBytes.withLock { $0 } }
    package func resetDenied() { deniedBytes.withLock { $0 = nil } }
}

/// WasmKit's memory behind Plugboard's bounds checks (``GuestMemory`` checks every range before it gets here).
package struct WasmKitMemory: LinearMemory {
    package let memory: WasmKit.Memory

    package var byteCount: Int { memory.byteCount }

    package func withUnsafeBytes<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try memory.withUnsafeBufferPointer(offset: UInt(offset), count: count) { try body($0) }
    }

    package func withUnsafeMutableBytes<R>(offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try memory.withUnsafeMutableBufferPointer(offset: UInt(offset), count: count) { try body($0) }
    }
}

extension CoreType {
    package var wasmKit: WasmTypes.ValueType {
        switch self {
        case .i32: .i32
        case .i64: .i64
        case .f32: .f32
        case .f64: .f64
        }
    }
}

extension CoreValue {
    package init(_ value: Value) {
        switch value {
        case .i32(let v): self = .i32(v)
        case .i64(let v): self = .i64(v)
        case .f32(let v): self = .f32(v)
        case .f64(let v): self = .f64(v)
        default: self = .i32(0)
        }
    }

    package var wasmKit: Value {
        switch self {
        case .i32(let v): .i32(v)
        case .i64(let v): .i64(v)
        case .f32(let v): .f32(v)
        case .f64(let v): .f64(v)
        }
    }
}
