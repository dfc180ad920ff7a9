import CWasmtime
import Crypto
import Foundation
import PlugboardABI
import Synchronization

/// A module compiled by Wasmtime: compiled once per engine setting it is instantiated under (most plugins need one),
/// each shared by every instance.
final class WasmtimeModule: CompiledModule, Sendable {
    let description: ModuleDescription
    private let bytes: [UInt8]
    private let library: WasmtimeLibrary.Loaded
    private let cache: WasmtimeModuleCache?
    private let compiledByEngine = Mutex<[WasmtimeEngines.Key: WasmtimeModuleHandle]>([:])

    init(bytes: [UInt8], description: ModuleDescription, library: WasmtimeLibrary.Loaded, cache: WasmtimeModuleCache?) {
        self.bytes = bytes
        self.description = description
        self.library = library
        self.cache = cache
    }

    /// The module compiled for `engine`: from memory, else from the disk cache, else compiled (and cached).
    func compiled(on engine: WasmtimeEngineHandle) throws(PlugboardError) -> WasmtimeModuleHandle {
        try compiledByEngine.withLock { compiled throws(PlugboardError) -> WasmtimeModuleHandle in
            if let module = compiled[engine.key] { return module }
            let module: WasmtimeModuleHandle
            if let cached = cache?.load(bytes, on: engine) {
                module = cached
            } else {
                module = try compile(on: engine)
            }
            compiled[engine.key] = module
            return module
        }
    }

    private func compile(on engine: WasmtimeEngineHandle) throws(PlugboardError) -> WasmtimeModuleHandle {
        let api = library.api
        var module: OpaquePointer?
        let error = bytes.withUnsafeBufferPointer { api.wasmtime_module_new(engine.pointer, $0.baseAddress, $0.count, &module) }
        if let error { throw PlugboardError.invalidModule(detail: WasmtimeErrors.message(of: error, api: api)) }
        let handle = WasmtimeModuleHandle(pointer: module!, library: library)
        cache?.store(handle, for: bytes, on: engine)
        return handle
    }
}

/// A `wasmtime_module_t`, deleted with its last reference.
final class WasmtimeModuleHandle: @unchecked Sendable {
    // @unchecked: Wasmtime's compiled modules are immutable and thread-safe.
    let pointer: OpaquePointer
    let library: WasmtimeLibrary.Loaded

    init(pointer: OpaquePointer, library: WasmtimeLibrary.Loaded) {
        self.pointer = pointer
        self.library = library
    }

    deinit { library.api.wasmtime_module_delete(pointer) }
}

/// Compiled modules on disk, one file per binary and engine setting: `<sha256>-wasmtime<version>-<settings>.cwasm`.
/// A file that fails to deserialize is removed and the module compiled again; writes are atomic (a temporary file
/// renamed), so a crash leaves no half-written entry.
struct WasmtimeModuleCache: Sendable {
    let directory: URL

    init(directory: String?) {
        if let directory {
            self.directory = URL(fileURLWithPath: directory)
        } else {
            let environment = ProcessInfo.processInfo.environment
            let base = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
            self.directory = base.appendingPathComponent("plugboard/wasmtime")
        }
    }

    private func file(for bytes: [UInt8], on engine: WasmtimeEngineHandle) -> URL {
        let digest = SHA256.hash(data: bytes).lowercaseHex
        // "quota-memories": compiled for Plugboard's memory creator (no copy-on-write images).
        let key = engine.key
        let settings = "stack\(key.stackBytes)\(key.fuel ? "-fuel" : "")\(key.epochs ? "-epochs" : "")-quota-memories"
        return directory.appendingPathComponent("\(digest)-wasmtime\(WasmtimeLibrary.version)-\(settings).cwasm")
    }

    func load(_ bytes: [UInt8], on engine: WasmtimeEngineHandle) -> WasmtimeModuleHandle? {
        let file = file(for: bytes, on: engine)
        guard let serialized = try? Data(contentsOf: file) else { return nil }
        let api = engine.library.api
        var module: OpaquePointer?
        let error = serialized.withUnsafeBytes { raw in
            api.wasmtime_module_deserialize(engine.pointer, raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &module)
        }
        if let error {
            api.wasmtime_error_delete(error)
            try? FileManager.default.removeItem(at: file)
            return nil
        }
        return module.map { WasmtimeModuleHandle(pointer: $0, library: engine.library) }
    }

    func store(_ module: WasmtimeModuleHandle, for bytes: [UInt8], on engine: WasmtimeEngineHandle) {
        let api = module.library.api
        var serialized = wasm_byte_vec_t()
        if let error = api.wasmtime_module_serialize(module.pointer, &serialized) {
            api.wasmtime_error_delete(error)
            return
        }
        defer { api.wasm_byte_vec_delete(&serialized) }
        let data = Data(bytes: serialized.data, count: serialized.size)
        let file = file(for: bytes, on: engine)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = directory.appendingPathComponent(".\(UUID().uuidString).tmp")
            try data.write(to: temporary)
            if rename(temporary.path, file.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
        } catch {
            // A cache that cannot be written only costs a compile next time.
        }
    }
}
