import PlugboardABI
import WasmKit
import WasmTypes

/// A WasmKit instance in its store.
final class WasmKitInstance: CoreInstance {
    let instance: Instance
    let store: WasmKitStore
    /// The exported `memory`, resolved once.
    let memory: (any LinearMemory)?

    init(instance: Instance, store: WasmKitStore) {
        self.instance = instance
        self.store = store
        self.memory = instance.exports[memory: "memory"].map(WasmKitMemory.init)
    }

    func memory(named name: String) -> (any LinearMemory)? {
        instance.exports[memory: name].map(WasmKitMemory.init)
    }

    func function(named name: String) -> (any CoreFunction)? {
        guard let function = instance.exports[function: name] else { return nil }
        return WasmKitFunction(function: function, store: store)
    }
}

/// A resolved exported function; calls reuse the store's interpreter stacks.
final class WasmKitFunction: CoreFunction {
    let function: Function
    unowned let store: WasmKitStore
    let signature: CoreSignature

    init(function: Function, store: WasmKitStore) {
        self.function = function
        self.store = store
        let type = function.type
        self.signature = CoreSignature(parameters: type.parameters.map(CoreType.init), results: type.results.map(CoreType.init))
    }

    func call(_ arguments: [CoreValue]) throws -> [CoreValue] {
        let results: [Value]
        do {
            results = try store.withStack { stack in
                try function.invoke(arguments.map(\.wasmKit), on: &stack)
            }
        } catch let error as PlugboardError {
            throw error
        } catch {
            throw store.failure(error)
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

    /// Only number types cross: ``ModuleDescription`` refuses modules whose imports or exports use others.
    init(_ type: WasmTypes.ValueType) {
        switch type {
        case .i32: self = .i32
        case .i64: self = .i64
        case .f32: self = .f32
        case .f64: self = .f64
        default: preconditionFailure("non-number type \(type) at the engine boundary; ModuleDescription refuses such modules")
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
        default: preconditionFailure("non-number value \(value) at the engine boundary; signatures are checked at link")
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
