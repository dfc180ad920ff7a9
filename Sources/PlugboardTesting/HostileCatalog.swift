import Foundation
import Plugboard

/// The classes of hostile plugins that once crashed, hung or exhausted a host, each as a plugin built here, with
/// what the host must answer: the same catalog runs through the library, `plugboard run` and `plugboard serve`.
///
/// Each case is a default-world plugin (``HostilePlugin``) that misbehaves in one way, with a `plugin.toml` giving it
/// a 1 s deadline (and whatever capability its attack needs), so every case ends, one way or another, within about a
/// second. (Two cases move tens of MiB through the host before their bound applies: they get 10 s, see
/// ``HostileCase/timeout``.)
public struct HostileCase: Sendable, CustomStringConvertible {
    /// Where the plugin's misbehaviour shows.
    public enum Outcome: Sendable {
        /// Loading fails with this code.
        case refusedAtLoad(PlugboardError.Code)
        /// Loading works; `process` fails with this code.
        case failsCall(PlugboardError.Code)
        /// Loading and `process` work; the output is this (the host bounded what the guest asked for).
        case answers(String)
    }

    public var name: String
    /// The plugin's text (WebAssembly text; the host assembles it).
    public var wat: String
    /// The plugin's binary, for shapes text cannot write compactly (instead of ``wat`` when set).
    public var binary: [UInt8]? = nil
    public var outcome: Outcome
    /// Where it differs on Wasmtime: its limiter refuses table growth past the quota (`table.grow` answers -1)
    /// without telling the host what was asked for, so a trap that follows a refused table growth is reported as
    /// that trap, not as the limit. (Memories are Plugboard's own there and report refusals as on WasmKit.)
    public var outcomeOnWasmtime: Outcome? = nil
    /// The outcome on the engine the tests run on (``PluginEngine/processDefault``).
    public var expectedOutcome: Outcome {
        PluginEngine.processDefault == .wasmtime ? outcomeOnWasmtime ?? outcome : outcome
    }
    /// `[limits]` and `[capabilities]` lines of its manifest, beyond the deadline.
    public var manifest: String = ""
    /// The same as load options, for the library.
    public var limits = PluginLimits(timeout: HostileCatalog.deadline)
    /// Its deadline, from ``limits`` (and written into its manifest): ``HostileCatalog/deadline``, except for a case
    /// that answers after legitimate work that can take longer than that in a debug build on a loaded machine.
    public var timeout: Duration { limits.timeout ?? HostileCatalog.deadline }
    public var capabilities = PluginCapabilities()

    public var description: String { name }

    /// The `plugin.toml` of the case.
    public var manifestText: String {
        """
        name = "\(name)"
        wasm = "\(fileName)"

        [limits]
        timeout-ms = \(Int(timeout.inMilliseconds))
        \(manifest)
        """
    }

    /// `plugin.wasm` or `plugin.wat`.
    public var fileName: String { binary == nil ? "plugin.wat" : "plugin.wasm" }

    /// The plugin file's bytes.
    public var bytes: [UInt8] { binary ?? Array(wat.utf8) }

    /// Writes the plugin as `directory/<name>/plugin.wat` (or `.wasm`) with its `plugin.toml`; returns the plugin's
    /// directory.
    @discardableResult
    public func write(into directory: String) throws -> String {
        let folder = directory + "/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + fileName))
        try manifestText.write(toFile: folder + "/plugin.toml", atomically: true, encoding: .utf8)
        return folder
    }
}

public enum HostileCatalog {
    /// Every case's deadline.
    public static let deadline = Duration.seconds(1)

    static let wasiWrite = #"(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))"#
    static let wasiRandom = #"(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))"#
    static let wasiExit = #"(import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))"#
    static let fetch =
        #"(import "plugboard:plugin/outgoing-http@1.0.0" "fetch" (func $fetch (param i32 i32 i32 i32 i32 i32 i32 i32 i32)))"#

    /// Every case of section 4 of the hardening issue, plus the host-input floods of its acceptance.
    public static let all: [HostileCase] = [
        reentrantRealloc, foldedBlocks, nestedBlocks, eqzChain, manyLocals, startLoop, initializeLoop, iovecFlood, randomFlood, randomGigabyte,
        tableBomb, eventFlood, giantEvent, exit(256), exit(137), aliasedHeaders,
    ]

    /// `cabi_realloc` calls a host import; lowering that import's result would call `cabi_realloc` again, and so on
    /// (this recursion crashed the host). It does so when asked for one byte: for `process`'s input "x", not for the
    /// empty configuration `initialize` gets.
    public static var reentrantRealloc: HostileCase {
        var plugin = HostilePlugin(name: "reentrant-realloc")
        plugin.realloc = """
            (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
                (if (i32.eq (local.get $size) (i32.const 1))
                  (then (call $host_get_config (i32.const 1280) (i32.const 6) (i32.const 256))))
                (call $alloc (local.get $align) (local.get $size)))
            """
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .failsCall(.abiViolation))
    }

    /// A function with 10,000 folded blocks `(block (block …))`: the text assembler recursed once per level.
    public static var foldedBlocks: HostileCase {
        var plugin = HostilePlugin(name: "folded-blocks")
        plugin.fields = ["(func $deep " + String(repeating: "(block ", count: 10_000) + String(repeating: ")", count: 10_000) + ")"]
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .refusedAtLoad(.invalidModule))
    }

    /// 10,000 nested blocks in the flat form, which reach the binary: the host loads and runs them, with no
    /// recursion on their depth anywhere.
    public static var nestedBlocks: HostileCase {
        var plugin = HostilePlugin(name: "nested-blocks")
        plugin.fields = ["(func $deep " + String(repeating: "block\n", count: 10_000) + String(repeating: "end\n", count: 10_000) + ")"]
        plugin.process = "(call $deep) (call $respond (local.get $in) (local.get $in_len))"
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .answers("x"))
    }

    /// 20,000 consecutive `i32.eqz`: WasmKit's translator recursed once per instruction.
    public static var eqzChain: HostileCase {
        var plugin = HostilePlugin(name: "eqz-chain")
        plugin.fields = ["(func $chain (result i32) i32.const 0 " + String(repeating: "i32.eqz\n", count: 20_000) + ")"]
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .refusedAtLoad(.invalidModule))
    }

    /// 1,000 functions declaring 99,999 locals each, in a 6 KB binary: WasmKit's parser expands locals, and this took
    /// it to 1.2 GB.
    public static var manyLocals: HostileCase {
        HostileCase(name: "many-locals", wat: "", binary: manyLocalsModule(functions: 1_000, locals: 99_999), outcome: .refusedAtLoad(.invalidModule))
    }

    /// A module of `functions` empty functions, each declaring `locals` i64 locals in one declaration.
    public static func manyLocalsModule(functions: Int, locals: UInt32) -> [UInt8] {
        let leb = WasmEncoding.uleb
        func section(_ id: UInt8, _ payload: [UInt8]) -> [UInt8] { [id] + leb(UInt32(payload.count)) + payload }
        let body: [UInt8] = [0x01] + leb(locals) + [0x7E, 0x0B]  // one declaration of `locals` i64, then `end`
        let code = leb(UInt32(functions)) + Array((0..<functions).map { _ in leb(UInt32(body.count)) + body }.joined())
        return [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
            + section(1, [0x01, 0x60, 0x00, 0x00])  // one type: () -> ()
            + section(3, leb(UInt32(functions)) + Array(repeating: 0x00, count: functions))
            + section(10, code)
    }

    /// A `start` function that loops: instantiation was not under the deadline.
    public static var startLoop: HostileCase {
        var plugin = HostilePlugin(name: "start-loop")
        plugin.fields = ["(func $spin (loop $again (br $again)))"]
        plugin.start = "$spin"
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .refusedAtLoad(.timeout))
    }

    /// `_initialize` (the reactor's start-up export) loops.
    public static var initializeLoop: HostileCase {
        var plugin = HostilePlugin(name: "initialize-loop")
        plugin.fields = [#"(func (export "_initialize") (loop $again (br $again)))"#]
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .refusedAtLoad(.timeout))
    }

    /// `fd_write` of 1,024 iovecs that all point at one 16 MiB buffer, forever (one such call ran far past its
    /// deadline; a million iovecs are refused with EINVAL).
    public static var iovecFlood: HostileCase {
        var plugin = HostilePlugin(name: "iovec-flood")
        plugin.imports = [wasiWrite]
        plugin.processLocals = "(local $i i32)"
        plugin.process = """
            (drop (memory.grow (i32.const 257)))
            (loop $fill
              (i32.store (i32.add (i32.const 8192) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
              (i32.store offset=4 (i32.add (i32.const 8192) (i32.shl (local.get $i) (i32.const 3))) (i32.const 16777216))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $fill (i32.lt_u (local.get $i) (i32.const 1024))))
            (drop (call $fd_write (i32.const 1) (i32.const 8192) (i32.const 1000000) (i32.const 2048)))
            (loop $again
              (drop (call $fd_write (i32.const 1) (i32.const 8192) (i32.const 1024) (i32.const 2048)))
              (br $again))
            unreachable
            """
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .failsCall(.timeout))
    }

    /// `random_get` of 31 MiB, forever (a byte-at-a-time fill took seconds per call, past any deadline).
    public static var randomFlood: HostileCase {
        var plugin = HostilePlugin(name: "random-flood")
        plugin.imports = [wasiRandom]
        plugin.process = """
            (drop (memory.grow (i32.const 496)))
            (loop $again
              (drop (call $random_get (i32.const 65536) (i32.const 32505856)))
              (br $again))
            unreachable
            """
        return HostileCase(
            name: plugin.name, wat: plugin.wat, outcome: .failsCall(.timeout), manifest: "[capabilities]\nrandom = true",
            capabilities: PluginCapabilities(allowsRandom: true))
    }

    /// `random_get` of 1 GiB, past the end of memory: `EFAULT` (21) at once, nothing filled.
    public static var randomGigabyte: HostileCase {
        var plugin = HostilePlugin(name: "random-gigabyte")
        plugin.imports = [wasiRandom]
        plugin.process = """
            (i32.store8 (i32.const 2048) (i32.add (i32.const 48) (i32.rem_u (call $random_get (i32.const 0) (i32.const 1073741824)) (i32.const 10))))
            (call $respond (i32.const 2048) (i32.const 1))
            """
        return HostileCase(
            name: plugin.name, wat: plugin.wat, outcome: .answers("1"), manifest: "[capabilities]\nrandom = true",
            capabilities: PluginCapabilities(allowsRandom: true))
    }

    /// `table.grow` by 2^28 then `table.fill` of it all: tables were not counted, and the host reached 2 GB.
    public static var tableBomb: HostileCase {
        var plugin = HostilePlugin(name: "table-bomb")
        plugin.fields = ["(table $t 1 funcref)"]
        plugin.process = """
            (drop (table.grow $t (ref.null func) (i32.const 268435456)))
            (table.fill $t (i32.const 0) (ref.null func) (i32.const 268435456))
            (call $respond (local.get $in) (local.get $in_len))
            """
        var hostile = HostileCase(name: plugin.name, wat: plugin.wat, outcome: .failsCall(.memoryLimitExceeded))
        hostile.outcomeOnWasmtime = .failsCall(.trap)
        return hostile
    }

    /// A million events of 64 KiB each (a subscriber that never reads once held them all).
    public static var eventFlood: HostileCase {
        var plugin = HostilePlugin(name: "event-flood")
        plugin.processLocals = "(local $i i32)"
        plugin.process = """
            (drop (memory.grow (i32.const 2)))
            (loop $again
              (call $host_emit (i32.const 1312) (i32.const 5) (i32.const 65536) (i32.const 65536) (i32.const 256))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $again (i32.lt_u (local.get $i) (i32.const 1000000))))
            (call $respond (local.get $in) (local.get $in_len))
            """
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .failsCall(.timeout))
    }

    /// One event of 31 MiB, twice: cut to the message limit (64 KiB) before anyone holds it. The host lifts (validates
    /// and copies) 62 MiB to get there, which took just over 1 s once in a debug `plugboard serve` while the other
    /// suites ran beside it on 2 cores: the case's deadline is 10 s, since what it tests is the event's bound.
    public static var giantEvent: HostileCase {
        var plugin = HostilePlugin(name: "giant-event")
        plugin.process = """
            (drop (memory.grow (i32.const 496)))
            (call $host_emit (i32.const 1312) (i32.const 5) (i32.const 65536) (i32.const 32505856) (i32.const 256))
            (call $host_emit (i32.const 1312) (i32.const 5) (i32.const 65536) (i32.const 32505856) (i32.const 256))
            (call $respond (local.get $in) (local.get $in_len))
            """
        return HostileCase(
            name: plugin.name, wat: plugin.wat, outcome: .answers("x"), manifest: "max-memory-mb = 64\nmax-host-call-mb = 32",
            limits: PluginLimits(maxMemoryBytes: 64 << 20, timeout: .seconds(10), maxHostCallBytes: 32 << 20))
    }

    /// `proc_exit(code)` from `process`; 256 read as success and 137 as a kill by signal in `plugboard run`.
    public static func exit(_ code: Int) -> HostileCase {
        var plugin = HostilePlugin(name: "exit-\(code)")
        plugin.imports = [wasiExit]
        plugin.process = "(call $proc_exit (i32.const \(code))) unreachable"
        return HostileCase(name: plugin.name, wat: plugin.wat, outcome: .failsCall(.pluginExited))
    }

    /// `fetch` with a header list of a million entries that all point at one 16 MiB string: lifting them copied
    /// each one, terabytes in all. Within the host-call budget (16 MiB), the second entry is refused. Getting there
    /// is legitimate work (the guest fills 32 MiB, the host lifts the first 16 MiB string), which took 1.2 s once in
    /// a debug `plugboard serve` beside the other suites on 2 cores: like giant-event, its deadline is 10 s, since
    /// what it tests is the host-call bound.
    public static var aliasedHeaders: HostileCase {
        var plugin = HostilePlugin(name: "aliased-headers")
        plugin.imports = [fetch]
        plugin.processLocals = "(local $filled i32)"
        // The string: 16 MiB at 65536. The list: 1M entries of (name ptr, len, value ptr, len) at 16 MiB + 65536, the
        // first written, the rest copied from it in doubling runs (20 bulk copies, so the guest is quick to get there).
        // The request record flattened: method, url, headers and body (pointer and length each), then the return area.
        plugin.process = """
            (drop (memory.grow (i32.const 513)))
            (i32.store (i32.const 16842752) (i32.const 65536))
            (i32.store offset=4 (i32.const 16842752) (i32.const 16777216))
            (i32.store offset=8 (i32.const 16842752) (i32.const 65536))
            (i32.store offset=12 (i32.const 16842752) (i32.const 16777216))
            (local.set $filled (i32.const 16))
            (loop $double
              (memory.copy (i32.add (i32.const 16842752) (local.get $filled)) (i32.const 16842752) (local.get $filled))
              (local.set $filled (i32.shl (local.get $filled) (i32.const 1)))
              (br_if $double (i32.lt_u (local.get $filled) (i32.const 16000000))))
            (call $fetch
              (i32.const 1296) (i32.const 3) (i32.const 1280) (i32.const 6)
              (i32.const 16842752) (i32.const 1000000)
              (i32.const 0) (i32.const 0)
              (i32.const 2048))
            (call $respond (local.get $in) (local.get $in_len))
            """
        return HostileCase(
            name: plugin.name, wat: plugin.wat, outcome: .failsCall(.hostCallLimitExceeded),
            manifest: "max-memory-mb = 64\n\n[capabilities]\nnetwork = [\"http://127.0.0.1:9\"]",
            limits: PluginLimits(maxMemoryBytes: 64 << 20, timeout: .seconds(10)),
            capabilities: PluginCapabilities(network: [try! NetworkPattern(parsing: "http://127.0.0.1:9")]))
    }
}
