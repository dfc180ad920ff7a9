/// Builds default-world plugins (WAT) that behave correctly except for one misbehaviour a test injects: extra
/// imports, extra functions, a `process` body, a `cabi_realloc`, a `start` function, tables.
///
/// The plugin's `get-metadata` reports `name` and version 1.0.0; `initialize` and `shutdown` answer `ok`; the
/// default `process` echoes its input. Helpers available to injected code:
/// - `$alloc (align, size) -> ptr`: a bump allocator that grows memory as needed (traps when it cannot);
/// - `$respond (ptr, len) -> retptr`: a successful `process-response` with that output;
/// - `$host_get_config`, `$host_log`, `$host_emit`: the default world's imports (`get-config`, `log-message`,
///   `emit-event`);
/// - data: `name` at 1024, `"prefix"` at 1280 (6 bytes), `"debug"` at 1296 (5 bytes), `"event"` at 1312 (5 bytes).
///
/// Memory map: 256 import return area, 272 initialize result, 288 shutdown result, 304 process result,
/// 336 get-metadata result, 1024.. constants, 4096.. heap.
public struct HostilePlugin: Sendable {
    public var name: String
    /// Extra `(import ...)` declarations.
    public var imports: [String] = []
    /// Extra module fields: functions, tables, globals, exports.
    public var fields: [String] = []
    /// The body of `process` (params `$in $in_len $opts $opts_count`, result `i32`); default: echo the input.
    public var process: String = "(call $respond (local.get $in) (local.get $in_len))"
    /// Locals of `process`, e.g. `(local $i i32)`.
    public var processLocals: String = ""
    /// The `cabi_realloc` function; default: the bump allocator.
    public var realloc: String? = nil
    /// A function name to run as the module's `start` function.
    public var start: String? = nil

    public init(name: String) {
        self.name = name
    }

    public var wat: String {
        let realloc =
            realloc ?? """
                (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
                    (call $alloc (local.get $align) (local.get $size)))
                """
        return """
            (module
              (import "plugboard:plugin/host-api@1.0.0" "get-config" (func $host_get_config (param i32 i32 i32)))
              (import "plugboard:plugin/host-api@1.0.0" "log-message" (func $host_log (param i32 i32 i32 i32 i32)))
              (import "plugboard:plugin/host-api@1.0.0" "emit-event" (func $host_emit (param i32 i32 i32 i32 i32)))
              \(imports.joined(separator: "\n  "))
              (memory (export "memory") 1)
              (global $heap_top (mut i32) (i32.const 4096))
              (data (i32.const 1024) "\(name)")
              (data (i32.const 1088) "1.0.0")
              (data (i32.const 1152) "hostile test plugin")
              (data (i32.const 1280) "prefix")
              (data (i32.const 1296) "debug")
              (data (i32.const 1312) "event")

              (func $alloc (param $align i32) (param $size i32) (result i32)
                (local $ptr i32) (local $end i32)
                (local.set $ptr
                  (i32.and (i32.add (global.get $heap_top) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
                (local.set $end (i32.add (local.get $ptr) (local.get $size)))
                (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
                  (then
                    (if (i32.eq (memory.grow (i32.add (i32.const 1)
                                  (i32.shr_u (i32.sub (local.get $end) (i32.shl (memory.size) (i32.const 16))) (i32.const 16))))
                                (i32.const -1))
                      (then unreachable))))
                (global.set $heap_top (local.get $end))
                (local.get $ptr))

              \(realloc)

              (func $respond (param $out i32) (param $len i32) (result i32)
                (i32.store (i32.const 304) (local.get $out))
                (i32.store offset=4 (i32.const 304) (local.get $len))
                (i32.store8 offset=8 (i32.const 304) (i32.const 1))
                (i32.store8 offset=12 (i32.const 304) (i32.const 0))
                (i32.store offset=16 (i32.const 304) (i32.const 0))
                (i32.store offset=20 (i32.const 304) (i32.const 0))
                (i32.const 304))

              (func (export "plugboard:plugin/plugin-api@1.0.0#initialize") (param i32 i32) (result i32)
                (i64.store (i32.const 272) (i64.const 0))
                (i32.store (i32.const 280) (i32.const 0))
                (i32.const 272))

              (func (export "plugboard:plugin/plugin-api@1.0.0#process")
                    (param $in i32) (param $in_len i32) (param $opts i32) (param $opts_count i32) (result i32)
                \(processLocals)
                \(process))

              (func (export "cabi_post_plugboard:plugin/plugin-api@1.0.0#process") (param i32)
                (global.set $heap_top (i32.const 4096)))

              (func (export "plugboard:plugin/plugin-api@1.0.0#shutdown") (result i32)
                (i64.store (i32.const 288) (i64.const 0))
                (i32.store (i32.const 296) (i32.const 0))
                (i32.const 288))

              (func (export "plugboard:plugin/plugin-api@1.0.0#get-metadata") (result i32)
                (i32.store (i32.const 336) (i32.const 1024))
                (i32.store offset=4 (i32.const 336) (i32.const \(name.utf8.count)))
                (i32.store offset=8 (i32.const 336) (i32.const 1088))
                (i32.store offset=12 (i32.const 336) (i32.const 5))
                (i32.store offset=16 (i32.const 336) (i32.const 1152))
                (i32.store offset=20 (i32.const 336) (i32.const 19))
                (i32.const 336))

              \(fields.joined(separator: "\n  "))
              \(start.map { "(start \($0))" } ?? "")
            )
            """
    }

    /// UTF-8 bytes of ``wat``.
    public var bytes: [UInt8] { Array(wat.utf8) }
}
