import CWasmtime
import Foundation
import PlugboardABI
import Synchronization

/// The JIT engine: Wasmtime 50.0.1 through its C library, loaded at run time (``WasmtimeLibrary``), behind the same
/// engine protocol as WasmKit, so every plugin, module or component, runs on either with the same limits and the same
/// canonical ABI checks.
///
/// Limits use Wasmtime's own mechanisms: memory and tables through the store's limiter (a `memory.grow` past the cap
/// answers -1), fuel per call (when the plugin has a fuel budget), the deadline and cancellation by epoch interruption
/// (an interrupt bumps the engine's epoch; each store's deadline callback stops only the store it was asked to stop,
/// so nothing writes into a store from another thread), and the guest's stack by `max_wasm_stack`. Traps map to the
/// same typed errors as WasmKit's, from Wasmtime's trap codes.
///
/// Compiled modules are cached on disk (``Configuration/cacheDirectory``), keyed by the binary's SHA-256, the Wasmtime
/// version and the engine settings, so a reload or a restart deserializes instead of compiling.
public struct WasmtimeEngine: WasmEngine {
    /// Engine settings.
    public struct Configuration: Sendable, Hashable {
        /// The library's path; when `nil` it is looked for as ``WasmtimeLibrary`` says.
        public var libraryPath: String?
        /// Where compiled modules are cached (`nil`: `$XDG_CACHE_HOME/plugboard/wasmtime`, else
        /// `~/.cache/plugboard/wasmtime`). Only this process's user should be able to write there: the cache holds
        /// native code.
        public var cacheDirectory: String?
        /// Whether compiled modules are cached on disk at all.
        public var cachesCompiledModules: Bool

        public init(libraryPath: String? = nil, cacheDirectory: String? = nil, cachesCompiledModules: Bool = true) {
            self.libraryPath = libraryPath
            self.cacheDirectory = cacheDirectory
            self.cachesCompiledModules = cachesCompiledModules
        }
    }

    public let configuration: Configuration
    let library: WasmtimeLibrary.Loaded
    let engines: WasmtimeEngines
    let cache: WasmtimeModuleCache?

    public var name: String { "Wasmtime \(WasmtimeLibrary.version)" }

    /// Loads the library (once per process).
    /// - Throws: `engine-unavailable` naming what to install when the library is missing or of another version.
    public init(configuration: Configuration = Configuration()) throws(PlugboardError) {
        self.configuration = configuration
        library = try WasmtimeLibrary.load(explicitPath: configuration.libraryPath)
        engines = WasmtimeEngines.shared(for: library)
        cache = configuration.cachesCompiledModules ? WasmtimeModuleCache(directory: configuration.cacheDirectory) : nil
    }

    /// How many stores made by any Wasmtime engine are alive in the process (for leak checks).
    public static var liveStoreCount: Int { WasmtimeStore.live.load(ordering: .relaxed) }

    /// Compiles screened bytes (``ModuleDescription/init(parsing:limits:)``) for the default settings (other settings
    /// compile on first use).
    public func compile(_ bytes: [UInt8], screened description: ModuleDescription) throws -> any CompiledModule {
        let module = WasmtimeModule(bytes: bytes, description: description, library: library, cache: cache)
        _ = try module.compiled(on: engines.engine(WasmtimeEngines.Key.default))
        return module
    }

    public func makeStore(limits: InstanceLimits) -> any CoreStore {
        WasmtimeStore(engine: engines.engine(WasmtimeEngines.Key(limits)), library: library, limits: limits)
    }
}

/// One Wasmtime engine (`wasm_engine_t`), kept for the life of the process; engines are thread-safe.
final class WasmtimeEngineHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let key: WasmtimeEngines.Key
    let library: WasmtimeLibrary.Loaded

    init(pointer: OpaquePointer, key: WasmtimeEngines.Key, library: WasmtimeLibrary.Loaded) {
        self.pointer = pointer
        self.key = key
        self.library = library
    }
}

/// The process's Wasmtime engines, one per setting that Wasmtime fixes per engine: the guest stack, fuel metering and
/// epoch checks.
final class WasmtimeEngines: Sendable {
    struct Key: Hashable, Sendable {
        /// `max_wasm_stack`, in bytes.
        var stackBytes: Int
        /// Whether the engine meters fuel (only plugins with a fuel budget need it; it costs 5–130 % on compute).
        var fuel: Bool
        /// Whether compiled code checks the epoch at loop heads and function entries (only plugins with a deadline
        /// need it; it costs up to a few percent, more on tight loops).
        var epochs: Bool

        /// The settings of a plugin with default limits (which have a deadline).
        static let `default` = Key(stackBytes: 512 << 10, fuel: false, epochs: true)

        /// The stack is capped at 4 MiB: Wasm code runs on the calling thread's native stack.
        init(stackBytes: Int, fuel: Bool, epochs: Bool) {
            self.stackBytes = min(max(stackBytes, 64 << 10), 4 << 20)
            self.fuel = fuel
            self.epochs = epochs
        }

        init(_ limits: InstanceLimits) {
            self.init(stackBytes: limits.stackBytes, fuel: limits.fuelPerCall != nil, epochs: limits.interruptible)
        }
    }

    private static let all = Mutex<[String: WasmtimeEngines]>([:])

    /// The engines made with `library`.
    static func shared(for library: WasmtimeLibrary.Loaded) -> WasmtimeEngines {
        all.withLock { all in
            if let engines = all[library.path] { return engines }
            let engines = WasmtimeEngines(library: library)
            all[library.path] = engines
            return engines
        }
    }

    let library: WasmtimeLibrary.Loaded
    private let engines = Mutex<[Key: WasmtimeEngineHandle]>([:])

    private init(library: WasmtimeLibrary.Loaded) { self.library = library }

    func engine(_ key: Key) -> WasmtimeEngineHandle {
        engines.withLock { engines in
            if let engine = engines[key] { return engine }
            let api = library.api
            let config = api.wasm_config_new()
            api.wasmtime_config_consume_fuel_set(config, key.fuel)
            api.wasmtime_config_epoch_interruption_set(config, key.epochs)
            api.wasmtime_config_max_wasm_stack_set(config, key.stackBytes)
            pb_wasmtime_use_quota_memories(library.table, config, wasmtimeGrowthAllowed, wasmtimeMemoryMade)
            let engine = WasmtimeEngineHandle(pointer: api.wasm_engine_new_with_config(config)!, key: key, library: library)
            engines[key] = engine
            return engine
        }
    }
}
