import CWasmtime
import PlugboardABI

/// A Wasmtime instance in its store.
final class WasmtimeInstance: CoreInstance {
    let instance: wasmtime_instance_t
    /// Keeps the compiled code alive as long as the instance.
    let module: WasmtimeModuleHandle
    let description: ModuleDescription
    let store: WasmtimeStore
    /// The exported `memory`, resolved once.
    private(set) lazy var memory: (any LinearMemory)? = memory(named: "memory")

    init(instance: wasmtime_instance_t, module: WasmtimeModuleHandle, description: ModuleDescription, store: WasmtimeStore) {
        self.instance = instance
        self.module = module
        self.description = description
        self.store = store
    }

    /// The item the instance exports as `name`.
    func export(_ name: String) -> wasmtime_extern_t? {
        var item = wasmtime_extern_t()
        var instance = self.instance  // a plain value: no access to the stored property stays open across the call
        let found = name.utf8CString.withUnsafeBufferPointer { text in
            store.api.wasmtime_instance_export_get(store.context, &instance, text.baseAddress, text.count - 1, &item)
        }
        return found ? item : nil
    }

    func function(named name: String) -> (any CoreFunction)? {
        guard let signature = description.exportedFunction(name), let item = export(name), item.kind == PB_WASMTIME_EXTERN_FUNC else { return nil }
        return WasmtimeFunction(function: item.of.func, signature: signature, store: store)
    }

    func memory(named name: String) -> (any LinearMemory)? {
        guard let item = export(name), item.kind == PB_WASMTIME_EXTERN_MEMORY else { return nil }
        var memory = item.of.memory
        if let base = store.api.wasmtime_memory_data(store.context, &memory), let own = store.quotaMemory(at: base) {
            return WasmtimeQuotaMemory(memory: own, store: store)
        }
        return WasmtimeMemory(memory: memory, store: store)
    }
}

/// A resolved exported function, called through `wasmtime_func_call_unchecked` (its type was checked once, at link).
final class WasmtimeFunction: CoreFunction {
    private let function: wasmtime_func_t
    let signature: CoreSignature
    let store: WasmtimeStore
    private let slots: Int
    private let parameterCount: Int
    private let resultTypes: [CoreType]

    init(function: wasmtime_func_t, signature: CoreSignature, store: WasmtimeStore) {
        self.function = function
        self.signature = signature
        self.store = store
        slots = max(signature.parameters.count, signature.results.count, 1)
        parameterCount = signature.parameters.count
        resultTypes = signature.results
    }

    func call(_ arguments: [CoreValue]) throws -> [CoreValue] {
        guard arguments.count == parameterCount else {
            throw PlugboardError.invalidArgument("\(arguments.count) arguments for a function of \(parameterCount) parameters")
        }
        return try withUnsafeTemporaryAllocation(of: wasmtime_val_raw_t.self, capacity: slots) { values in
            for (index, argument) in arguments.enumerated() { values.initializeElement(at: index, to: argument.wasmtimeRaw) }
            try call(values)
            return resultTypes.enumerated().map { CoreValue(wasmtimeRaw: values[$0.offset], type: $0.element) }
        }
    }

    func call(inPlace slots: UnsafeMutableBufferPointer<CoreValue>) throws {
        guard slots.count >= parameterCount, slots.count >= resultTypes.count else {
            throw PlugboardError.invalidArgument("\(slots.count) slots for a function of \(parameterCount) parameters and \(resultTypes.count) results")
        }
        try withUnsafeTemporaryAllocation(of: wasmtime_val_raw_t.self, capacity: self.slots) { values in
            for index in 0..<parameterCount { values.initializeElement(at: index, to: slots[index].wasmtimeRaw) }
            try call(values)
            for (index, type) in resultTypes.enumerated() { slots[index] = CoreValue(wasmtimeRaw: values[index], type: type) }
        }
    }

    /// Calls with the arguments in the first values of `values` (``slots`` of them, the rest uninitialized); the
    /// results are in the first values afterwards.
    private func call(_ values: UnsafeMutableBufferPointer<wasmtime_val_raw_t>) throws {
        for index in parameterCount..<slots { values.initializeElement(at: index, to: wasmtime_val_raw_t()) }
        let (api, context) = (store.api, store.context)
        // A copy: the guest may re-enter this same function through a host call, and an inout access to the
        // stored property would then overlap itself.
        var function = self.function
        try store.call { trap in api.wasmtime_func_call_unchecked(context, &function, values.baseAddress, slots, &trap) }
    }
}

/// Wasmtime's memory behind Plugboard's bounds checks (``GuestMemory`` checks every range before it gets here), for a
/// memory that is not one of Plugboard's own (see ``WasmtimeQuotaMemory``). The base address is read afresh on every
/// access: growing may move it.
struct WasmtimeMemory: LinearMemory {
    var memory: wasmtime_memory_t
    let store: WasmtimeStore

    var byteCount: Int {
        withUnsafePointer(to: memory) { store.api.wasmtime_memory_data_size(store.context, $0) }
    }

    private var base: UnsafeMutablePointer<UInt8>? {
        withUnsafePointer(to: memory) { store.api.wasmtime_memory_data(store.context, $0) }
    }

    func withUnsafeBytes<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0 + offset) }, count: count))
    }

    func withUnsafeMutableBytes<R>(offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: base.map { UnsafeMutableRawPointer($0 + offset) }, count: count))
    }
}

/// One of Plugboard's own memories (`pb_quota_memory`), read directly: its base never moves and its size is a field,
/// so no access asks Wasmtime. Holds the store, which keeps the memory.
struct WasmtimeQuotaMemory: LinearMemory {
    let memory: UnsafeMutablePointer<pb_quota_memory>
    let store: WasmtimeStore

    var byteCount: Int { memory.pointee.size }

    var fixedRegion: LinearMemoryRegion? {
        let size = UnsafeRawPointer(memory).advanced(by: MemoryLayout<pb_quota_memory>.offset(of: \.size)!)
        return LinearMemoryRegion(base: UnsafeMutableRawPointer(memory.pointee.base), byteCount: size.assumingMemoryBound(to: Int.self))
    }

    func withUnsafeBytes<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: memory.pointee.base + offset, count: count))
    }

    func withUnsafeMutableBytes<R>(offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: memory.pointee.base + offset, count: count))
    }
}

/// A host function's Swift side: the body Wasmtime calls back through ``wasmtimeHostFunctionCalled``.
final class WasmtimeHostFunction {
    let body: (_ arguments: UnsafeBufferPointer<CoreValue>) throws -> CoreValue?
    let parameters: [CoreType]
    let returnsValue: Bool
    /// Not `weak`: a weak reference would move the store's reference counts to a side table (the slow path for every
    /// retain and release of it). Wasmtime calls a host function only inside a call on its store, so the store is
    /// alive then; the store's Wasmtime store holds this object, not the other way round.
    unowned let store: WasmtimeStore

    init(_ function: CoreHostFunction, store: WasmtimeStore) {
        body = function.body
        parameters = function.signature.parameters
        returnsValue = !function.signature.results.isEmpty
        self.store = store
    }

    /// Runs the body on the raw values; a Swift error is kept for the store to rethrow and becomes a trap that
    /// unwinds the guest.
    func call(_ values: UnsafeMutablePointer<wasmtime_val_raw_t>) -> OpaquePointer? {
        let count = parameters.count
        do {
            let result = try withUnsafeTemporaryAllocation(of: CoreValue.self, capacity: max(count, 1)) { buffer in
                for index in 0..<count { buffer.initializeElement(at: index, to: CoreValue(wasmtimeRaw: values[index], type: parameters[index])) }
                return try body(UnsafeBufferPointer(rebasing: buffer[0..<count]))
            }
            if returnsValue, let result { values[0] = result.wasmtimeRaw }
            return nil
        } catch {
            store.pendingError = error
            let message = "host function failed"
            return message.withCString { store.api.wasmtime_trap_new($0, message.utf8.count) }
        }
    }
}

/// The C callback every host function goes through.
let wasmtimeHostFunctionCalled: wasmtime_func_unchecked_callback_t = { environment, _, values, _ in
    Unmanaged<WasmtimeHostFunction>.fromOpaque(environment!).takeUnretainedValue().call(values!)
}

/// Wasm types and values as Wasmtime's C API spells them.
enum WasmtimeTypes {
    /// A new `wasm_functype_t` (the caller deletes it).
    static func functionType(_ signature: CoreSignature, api: pb_wasmtime_api) -> OpaquePointer {
        func vector(_ types: [CoreType]) -> wasm_valtype_vec_t {
            var vector = wasm_valtype_vec_t()
            var elements: [OpaquePointer?] = types.map { api.wasm_valtype_new($0.wasmtimeKind) }
            api.wasm_valtype_vec_new(&vector, elements.count, &elements)
            return vector
        }
        var parameters = vector(signature.parameters)
        var results = vector(signature.results)
        return api.wasm_functype_new(&parameters, &results)!
    }
}

extension CoreType {
    var wasmtimeKind: wasm_valkind_t {
        switch self {
        case .i32: 0
        case .i64: 1
        case .f32: 2
        case .f64: 3
        }
    }
}

extension CoreValue {
    init(wasmtimeRaw raw: wasmtime_val_raw_t, type: CoreType) {
        switch type {
        case .i32: self = .i32(UInt32(bitPattern: raw.i32))
        case .i64: self = .i64(UInt64(bitPattern: raw.i64))
        case .f32: self = .f32(UInt32(bitPattern: raw.i32))  // the same low four bytes, bit for bit (NaNs kept)
        case .f64: self = .f64(UInt64(bitPattern: raw.i64))
        }
    }

    var wasmtimeRaw: wasmtime_val_raw_t {
        var raw = wasmtime_val_raw_t()
        switch self {
        case .i32(let v): raw.i32 = Int32(bitPattern: v)
        case .i64(let v): raw.i64 = Int64(bitPattern: v)
        case .f32(let v): raw.i32 = Int32(bitPattern: v)
        case .f64(let v): raw.i64 = Int64(bitPattern: v)
        }
        return raw
    }
}
