@_spi(Fuzzing) import WasmKit
import WasmParser
import WasmTypes

/// The embedded default engine: WasmKit 0.4.2, a pure-Swift interpreter (no JIT, runs on iOS).
public struct WasmKitEngine: WasmEngine {
    /// Engine settings: the interpreter's stack size bounds guest recursion depth.
    public struct Configuration: Sendable, Hashable {
        /// Interpreter stack in bytes (default 512 KiB: about 8,000 nested guest calls).
        public var stackSize: Int

        public init(stackSize: Int = 512 * 1024) {
            self.stackSize = stackSize
        }
    }

    public let configuration: Configuration
    let engine: WasmKit.Engine

    public var name: String { "WasmKit 0.4.2" }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        // Eager compilation rejects invalid function bodies at load, not at their first call.
        self.engine = WasmKit.Engine(configuration: EngineConfiguration(compilationMode: .eager, stackSize: configuration.stackSize))
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
        guard let module = module as? WasmKitModule else {
            throw PlugboardError.invalidArgument("a module compiled by another engine was given to \(name)")
        }
        let store = Store(engine: engine)
        let stackSize = configuration.stackSize
        var imports = Imports()
        for hostFunction in hostFunctions {
            let body = hostFunction.body
            let function = Function(
                store: store,
                parameters: hostFunction.signature.parameters.map(\.wasmKit),
                results: hostFunction.signature.results.map(\.wasmKit)
            ) { caller, arguments in
                guard let instance = caller.instance else { throw PlugboardError.invalidArgument("host function called without an instance") }
                let results = try body(WasmKitCaller(instance: instance, stackSize: stackSize), arguments.map(CoreValue.init))
                return results.map(\.wasmKit)
            }
            imports.define(module: hostFunction.module, name: hostFunction.name, function)
        }
        do {
            let instance = try module.module.instantiate(store: store, imports: imports)
            return WasmKitInstance(store: store, instance: instance, stackSize: stackSize)
        } catch {
            throw PlugboardError.fromEngine(error)
        }
    }
}

struct WasmKitModule: CompiledModule {
    let module: WasmKit.Module
    let description: ModuleDescription
}

/// A WasmKit instance with its store; thread-confined like the store.
final class WasmKitInstance: CoreInstance {
    let store: Store
    let instance: Instance
    private let caller: WasmKitCaller

    init(store: Store, instance: Instance, stackSize: Int) {
        self.store = store
        self.instance = instance
        self.caller = WasmKitCaller(instance: instance, stackSize: stackSize)
    }

    var memory: (any LinearMemory)? { caller.memory }
    func exportsFunction(_ name: String) -> Bool { caller.exportsFunction(name) }
    func call(_ name: String, _ arguments: [CoreValue]) throws -> [CoreValue] { try caller.call(name, arguments) }
}

struct WasmKitCaller: CoreCaller {
    let instance: Instance
    /// The engine's interpreter stack size, so a stack overflow is reported with the limit it hit.
    let stackSize: Int

    var memory: (any LinearMemory)? { instance.exports[memory: "memory"].map(WasmKitMemory.init) }

    func exportsFunction(_ name: String) -> Bool { instance.exports[function: name] != nil }

    func call(_ name: String, _ arguments: [CoreValue]) throws -> [CoreValue] {
        guard let function = instance.exports[function: name] else { throw PlugboardError.missingExport(name) }
        let results: [Value]
        do {
            results = try function.invoke(arguments.map(\.wasmKit))
        } catch let error as PlugboardError {
            throw error
        } catch {
            throw PlugboardError.fromEngine(error, stackSize: stackSize)
        }
        return results.map(CoreValue.init)
    }
}

/// WasmKit's memory behind Plugboard's bounds checks (``GuestMemory`` checks every range before it gets here).
struct WasmKitMemory: LinearMemory {
    let memory: WasmKit.Memory

    var byteCount: Int { memory.byteCount }

    func withUnsafeBytes<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try memory.withUnsafeBufferPointer(offset: UInt(offset), count: count) { try body($0) }
    }

    func withUnsafeMutableBytes<R>(offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try memory.withUnsafeMutableBufferPointer(offset: UInt(offset), count: count) { try body($0) }
    }
}

extension CoreType {
    var wasmKit: WasmTypes.ValueType {
        switch self {
        case .i32: .i32
        case .i64: .i64
        case .f32: .f32
        case .f64: .f64
        }
    }
}

extension CoreValue {
    init(_ value: Value) {
        switch value {
        case .i32(let v): self = .i32(v)
        case .i64(let v): self = .i64(v)
        case .f32(let v): self = .f32(v)
        case .f64(let v): self = .f64(v)
        default: self = .i32(0)
        }
    }

    var wasmKit: Value {
        switch self {
        case .i32(let v): .i32(v)
        case .i64(let v): .i64(v)
        case .f32(let v): .f32(v)
        case .f64(let v): .f64(v)
        }
    }
}
