import Plugboard
import PlugboardWasmKit
import Synchronization
import Testing
import WAT

/// A store holds several core instances linked to each other, in the shape `wasm-tools component new` gives a
/// component (../shared/notes/components.md §1.2): a shim module exports a funcref table and stubs that
/// `call_indirect` through it, the main module imports the stubs, and a fixup module fills the table with the
/// lowered host functions once the main module's memory exists. Memories and tables of all instances share the
/// store's quota.
@Suite struct MultiInstanceStoreTests {
    static let shim = """
        (module
          (type $log (func (param i32 i32)))
          (table (export "$imports") 1 1 funcref)
          (func (export "0") (param i32 i32) local.get 0 local.get 1 i32.const 0 call_indirect (type $log)))
        """
    static let main = """
        (module
          (import "host" "log" (func $log (param i32 i32)))
          (import "env" "counter" (global $counter (mut i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hello from main")
          (func (export "run") (result i32)
            i32.const 16 i32.const 15 call $log
            global.get $counter i32.const 1 i32.add global.set $counter
            global.get $counter))
        """
    static let fixup = """
        (module
          (import "" "$imports" (table 1 1 funcref))
          (import "" "0" (func $lowered (param i32 i32)))
          (elem (i32.const 0) func $lowered))
        """
    static let globals = """
        (module (global $g (export "counter") (mut i32) (i32.const 41)) (func (export "get") (result i32) global.get $g))
        """
    static let writer = """
        (module (import "main" "memory" (memory 1)) (func (export "poke") (i32.store8 (i32.const 16) (i32.const 72))))
        """

    /// What the host function saw, and the main instance whose memory it reads.
    final class Seen: @unchecked Sendable {
        var main: (any CoreInstance)?
        var messages: [String] = []
    }

    @Test func shimMainAndFixupLinkThroughTheStoreAndTheHostFunctionReadsMainsMemory() throws {
        let engine = WasmKitEngine()
        let store = engine.makeStore(limits: InstanceLimits(maxMemoryBytes: 1 << 20))
        let seen = Seen()
        let log = CoreHostFunction(module: "", name: "0", signature: CoreSignature(parameters: [.i32, .i32], results: [])) { arguments in
            guard case .i32(let pointer) = arguments[0], case .i32(let length) = arguments[1], let memory = seen.main?.memory else { return nil }
            seen.messages.append(memory.withUnsafeBytes(offset: Int(pointer), count: Int(length)) { String(decoding: $0, as: UTF8.self) })
            return nil
        }
        let globals = try store.instantiate(try engine.compile(try wat2wasm(Self.globals)), imports: [])
        let shim = try store.instantiate(try engine.compile(try wat2wasm(Self.shim)), imports: [])
        let main = try store.instantiate(
            try engine.compile(try wat2wasm(Self.main)),
            imports: [
                CoreImport(module: "host", name: "log", value: .export(shim, name: "0")),
                CoreImport(module: "env", name: "counter", value: .export(globals, name: "counter")),
            ])
        seen.main = main
        let run = try #require(main.function(named: "run"))

        // Before the fixup fills the table, the stub's call_indirect finds no function: a typed trap, no crash.
        store.startCall()
        let early = try #require(throws: PlugboardError.self) { try run.call([]) }
        #expect(early.code == .trap)
        #expect(seen.messages.isEmpty)

        _ = try store.instantiate(
            try engine.compile(try wat2wasm(Self.fixup)),
            imports: [
                CoreImport(module: "", name: "$imports", value: .export(shim, name: "$imports")),
                CoreImport(module: "", name: "0", value: .hostFunction(log)),
            ])
        store.startCall()
        #expect(try run.call([]) == [.i32(42)])
        #expect(seen.messages == ["hello from main"])
        // The global is the globals instance's own: both see the increment.
        #expect(try globals.function(named: "get")?.call([]) == [.i32(42)])

        // A module importing main's memory writes into it; main's next call sees the write.
        let writer = try store.instantiate(
            try engine.compile(try wat2wasm(Self.writer)), imports: [CoreImport(module: "main", name: "memory", value: .export(main, name: "memory"))])
        _ = try writer.function(named: "poke")?.call([])
        #expect(try run.call([]) == [.i32(43)])
        #expect(seen.messages.last == "Hello from main")
    }

    @Test func importsBoundToNothingOrToTheWrongKindOrToAnotherStoreAreTypedErrors() throws {
        let engine = WasmKitEngine()
        let store = engine.makeStore(limits: InstanceLimits(maxMemoryBytes: 1 << 20))
        let shim = try store.instantiate(try engine.compile(try wat2wasm(Self.shim)), imports: [])
        let globals = try store.instantiate(try engine.compile(try wat2wasm(Self.globals)), imports: [])
        let main = try engine.compile(try wat2wasm(Self.main))

        let missing = try #require(throws: PlugboardError.self) {
            try store.instantiate(main, imports: [
                CoreImport(module: "host", name: "log", value: .export(shim, name: "1")),
                CoreImport(module: "env", name: "counter", value: .export(globals, name: "counter")),
            ])
        }
        #expect(missing.message.contains("exports nothing named '1'"))

        let wrongKind = try #require(throws: PlugboardError.self) {
            try store.instantiate(main, imports: [
                CoreImport(module: "host", name: "log", value: .export(shim, name: "$imports")),
                CoreImport(module: "env", name: "counter", value: .export(globals, name: "counter")),
            ])
        }
        #expect(!wrongKind.message.isEmpty)

        let other = engine.makeStore(limits: InstanceLimits(maxMemoryBytes: 1 << 20))
        let foreign = try #require(throws: PlugboardError.self) {
            try other.instantiate(main, imports: [
                CoreImport(module: "host", name: "log", value: .export(shim, name: "0")),
                CoreImport(module: "env", name: "counter", value: .export(globals, name: "counter")),
            ])
        }
        #expect(foreign.message.contains("another store"))
    }

    @Test func memoriesOfAllInstancesShareTheStoresQuota() throws {
        let engine = WasmKitEngine()
        let store = engine.makeStore(limits: InstanceLimits(maxMemoryBytes: 3 * 65536))
        _ = try store.instantiate(try engine.compile(try wat2wasm(#"(module (memory (export "memory") 2))"#)), imports: [])
        // Two more pages would make four in the store: refused before anything is allocated.
        let refused = try #require(throws: PlugboardError.self) {
            try store.instantiate(try engine.compile(try wat2wasm(#"(module (memory 2))"#)), imports: [])
        }
        #expect(refused.code == .memoryLimitExceeded)
        #expect(refused.message.contains("256 KiB"))
        // One fits; growing it by one more page would pass the store's three, so the guest sees -1.
        let small = try store.instantiate(
            try engine.compile(try wat2wasm(#"(module (memory 1) (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#)), imports: [])
        store.startCall()
        #expect(try small.function(named: "grow")?.call([]) == [.i32(UInt32(bitPattern: -1))])
        #expect(store.deniedMemoryBytes != nil)
    }
}
