import PlugboardABI
import Synchronization
import WasmKit
import WasmParser

/// The embedded default engine: WasmKit 0.4.2, a pure-Swift interpreter (no JIT, runs on iOS).
///
/// Functions are compiled eagerly (invalid bodies are refused at instantiation, not at their first call); memory
/// bounds are checked with guard pages (`mprotect`), which keeps a store's memory cheap to reserve and to grow.
/// Plugins with a fuel budget or a deadline run on a fuel-metering engine, which costs 10–25 % on tight loops
/// (see `Benchmarks/`); others run unmetered.
public struct WasmKitEngine: WasmEngine {
    /// Engine settings.
    public struct Configuration: Sendable, Hashable {
        /// Interpreter stack in bytes for stores made without limits (default 512 KiB: about 8,000 nested guest
        /// calls); a plugin's own ``InstanceLimits/stackBytes`` (from its `PluginLimits`) takes precedence.
        public var stackSize: Int

        public init(stackSize: Int = 512 * 1024) {
            self.stackSize = stackSize
        }
    }

    public let configuration: Configuration
    /// WasmKit engines by stack size and metering, created on first use and shared by every store with the same
    /// settings (an engine is `Sendable`; stores are per instance).
    private let engines = EngineCache()

    public var name: String { "WasmKit 0.4.2" }

    /// How many stores (each with its instances and linear memory) are alive in the process: bounded by the plugins
    /// and their pool sizes, whatever the number of reloads. For leak checks and diagnostics.
    public static var liveInstanceCount: Int { WasmKitStore.live.load(ordering: .relaxed) }

    /// How many stores made by this engine (and its copies) are alive.
    public var liveStoreCount: Int { stores.count }
    private let stores = LiveCounter()

    /// How many modules compiled by this engine (and its copies) are alive: what a host keeps of each plugin
    /// version it can still run or roll back to. For leak checks.
    public var liveModuleCount: Int { modules.count }
    private let modules = LiveCounter()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Parses screened bytes (``ModuleDescription/init(parsing:limits:)``: no guest-controlled depth or count gets
    /// past it to WasmKit's parser).
    public func compile(_ bytes: [UInt8], screened description: ModuleDescription) throws -> any CompiledModule {
        do {
            return WasmKitModule(module: try parseWasm(bytes: bytes), description: description, liveness: LiveCounter.Token(modules))
        } catch {
            throw PlugboardError.invalidModule(detail: "\(error)")
        }
    }

    public func makeStore(limits: InstanceLimits) -> any CoreStore {
        let metered = limits.fuelPerCall != nil || limits.interruptible
        return WasmKitStore(
            engine: engines.engine(stackSize: limits.stackBytes, fuelMetering: metered, lazy: limits.translatesOnFirstCall), limits: limits, metered: metered, counter: stores)
    }

    /// A store with the engine's default stack and no limits (beyond the address space), for tools and tests.
    public func makeStore() -> any CoreStore {
        makeStore(limits: InstanceLimits(maxMemoryBytes: Int(UInt32.max) + 1, maxTableElements: Int(UInt32.max), stackBytes: configuration.stackSize))
    }
}

package struct WasmKitModule: CompiledModule {
    package let module: WasmKit.Module
    package let description: ModuleDescription
    /// Counts the module among its engine's live ones until its last copy is gone.
    let liveness: LiveCounter.Token
}

/// Counts live objects of one kind (stores, modules), shared by an engine's copies.
final class LiveCounter: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ delta: Int) { value.add(delta, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }

    /// Counted as live from its creation to its deinitialization.
    final class Token: Sendable {
        private let counter: LiveCounter

        init(_ counter: LiveCounter) {
            self.counter = counter
            counter.add(1)
        }

        deinit { counter.add(-1) }
    }
}

/// Shared WasmKit engines by stack size and fuel metering.
final class EngineCache: Sendable {
    private struct Key: Hashable {
        var stackSize: Int
        var fuelMetering: Bool
        var lazy: Bool
    }

    private let engines = Mutex<[Key: WasmKit.Engine]>([:])

    /// - Parameter lazy: Translate functions on first call instead of at instantiation (see
    ///   ``InstanceLimits/translatesOnFirstCall``); otherwise every body is translated, and so validated, up front.
    func engine(stackSize: Int, fuelMetering: Bool, lazy: Bool = false) -> WasmKit.Engine {
        engines.withLock { engines in
            let key = Key(stackSize: stackSize, fuelMetering: fuelMetering, lazy: lazy)
            if let engine = engines[key] { return engine }
            let engine = WasmKit.Engine(
                configuration: EngineConfiguration(compilationMode: lazy ? .lazy : .eager, stackSize: stackSize, fuelMetering: fuelMetering))
            engines[key] = engine
            return engine
        }
    }
}
