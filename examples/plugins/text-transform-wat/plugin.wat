;; text-transform-wat: an example Plugboard plugin written by hand in WAT.
;;
;; It implements the WIT world `plugboard:plugin/plugin-world@1.0.0`
;; (wit/plugin.wit) as a core module with the canonical ABI written out by
;; hand, and behaves exactly like examples/plugins/text-transform-c:
;;
;;   get-metadata -> {"text-transform-wat", "1.0.0", "Uppercases text or counts its words"}
;;   initialize   -> logs "initialized with N config entries"; err if a key "fail" is present
;;   process      -> option "mode" (last one wins, default "uppercase"):
;;                   "uppercase" (ASCII only) or "wordcount"; optional config "prefix"
;;   shutdown     -> logs "shutting down"
;;
;; It imports nothing but the host API (no WASI). The host loads this .wat
;; directly; scripts/build-examples checks it with wasm-tools.
;;
;; Memory: a bump allocator behind `cabi_realloc` (memory.grow when the heap
;; runs out). Nothing allocated lives beyond one export call (initialize only
;; keeps a count), so `cabi_post_...#process` resets the heap to its base.
;;
;; Memory map (all addresses fixed):
;;     256  import return area (12 bytes: tag @0, ptr @4, len @8)
;;     272  initialize result  (result<_, string>: tag @0, err ptr @4, len @8)
;;     288  shutdown result    (same layout)
;;     304  process result     (24 bytes: output @0/@4, success @8,
;;                              error-message tag @12, ptr @16, len @20)
;;     336  get-metadata result (24 bytes: name @0/@4, version @8/@12,
;;                              description @16/@20)
;;     368  address used for empty strings (length 0)
;;     512  scratch buffer for log messages (256 bytes)
;;    1024  string constants, one every 64 bytes (see the data segments)
;;    4096  heap (bump allocator) start
(module
  ;; ---- host imports (interface host-api); results are written at the
  ;; ---- last argument (retptr) ------------------------------------------
  ;; log-message: func(level: string, message: string) -> result<_, string>
  (import "plugboard:plugin/host-api@1.0.0" "log-message"
    (func $host_log_message (param i32 i32 i32 i32 i32)))
  ;; get-config: func(key: string) -> option<string>
  (import "plugboard:plugin/host-api@1.0.0" "get-config"
    (func $host_get_config (param i32 i32 i32)))
  ;; emit-event: func(event-type: string, payload: string) -> result<_, string>
  (import "plugboard:plugin/host-api@1.0.0" "emit-event"
    (func $host_emit_event (param i32 i32 i32 i32 i32)))

  (memory (export "memory") 1)

  ;; ---- fixed addresses --------------------------------------------------
  (global $RET_AREA i32 (i32.const 256))
  (global $INIT_RESULT i32 (i32.const 272))
  (global $SHUTDOWN_RESULT i32 (i32.const 288))
  (global $PROCESS_RESULT i32 (i32.const 304))
  (global $METADATA_RESULT i32 (i32.const 336))
  (global $EMPTY i32 (i32.const 368))
  (global $SCRATCH i32 (i32.const 512))
  (global $HEAP_BASE i32 (i32.const 4096))

  ;; ---- mutable state ----------------------------------------------------
  (global $heap_top (mut i32) (i32.const 4096))   ;; next free heap byte
  (global $config_entries (mut i32) (i32.const 0)) ;; remembered by initialize

  ;; ---- string constants (address; length) -------------------------------
  (data (i32.const 1024) "text-transform-wat")                      ;; 18
  (data (i32.const 1088) "1.0.0")                                   ;; 5
  (data (i32.const 1152) "Uppercases text or counts its words")     ;; 35
  (data (i32.const 1216) "info")                                    ;; 4
  (data (i32.const 1280) "debug")                                   ;; 5
  (data (i32.const 1344) "initialized with ")                       ;; 17
  (data (i32.const 1408) " config entries")                         ;; 15
  (data (i32.const 1472) "initialize failed: requested by config")  ;; 38
  (data (i32.const 1536) "shutting down")                           ;; 13
  (data (i32.const 1600) "mode")                                    ;; 4
  (data (i32.const 1664) "uppercase")                               ;; 9
  (data (i32.const 1728) "wordcount")                               ;; 9
  (data (i32.const 1792) "fail")                                    ;; 4
  (data (i32.const 1856) "prefix")                                  ;; 6
  (data (i32.const 1920) "processed")                               ;; 9
  (data (i32.const 1984) "processed ")                              ;; 10
  (data (i32.const 2048) " bytes")                                  ;; 6
  (data (i32.const 2112) "unknown mode: ")                          ;; 14

  ;; ======================================================================
  ;; Memory helpers
  ;; ======================================================================

  ;; Bump-allocates `size` bytes aligned to `align` (a power of two),
  ;; growing memory as needed; traps if memory cannot grow.
  (func $alloc (param $align i32) (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i64) (local $need i64)
    (if (i32.eqz (local.get $align)) (then (local.set $align (i32.const 1))))
    ;; ptr = (heap_top + align - 1) & ~(align - 1)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap_top) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    ;; 32-bit overflow of ptr + size: out of memory
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
    ;; grow by whole pages if end > current memory size (computed in i64)
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (local.set $need (i64.extend_i32_u (local.get $end)))
    (if (i64.gt_u (local.get $need) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.wrap_i64
                  (i64.shr_u
                    (i64.add (i64.sub (local.get $need) (local.get $have)) (i64.const 65535))
                    (i64.const 16))))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap_top (local.get $end))
    (local.get $ptr))

  ;; Copies `len` bytes from `src` to `dst` (regions must not overlap).
  (func $copy (param $dst i32) (param $src i32) (param $len i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8 (i32.add (local.get $dst) (local.get $i))
                    (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; 1 if the byte strings (a, alen) and (b, blen) are equal, else 0.
  (func $eq (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $alen) (local.get $blen)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $alen)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                    (i32.load8_u (i32.add (local.get $b) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; Writes `n` in decimal at `dst` (up to 10 bytes); returns the length.
  (func $utoa (param $n i32) (param $dst i32) (result i32)
    (local $len i32) (local $t i32)
    ;; count digits (at least one)
    (local.set $t (local.get $n))
    (loop $count
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (br_if $count (local.get $t)))
    ;; fill from the last digit backwards
    (local.set $t (i32.add (local.get $dst) (local.get $len)))
    (loop $digit
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (i32.store8 (local.get $t)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (i32.gt_u (local.get $t) (local.get $dst))))
    (local.get $len))

  ;; Looks up `key` (ptr, len) in a list<tuple<string,string>> (16 bytes per
  ;; entry: key @0/@4, value @8/@12). Returns the address of the LAST entry
  ;; whose key matches, or 0 if none does.
  (func $find_last (param $list i32) (param $count i32) (param $key i32) (param $key_len i32)
                   (result i32)
    (local $i i32) (local $entry i32) (local $found i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $entry (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 4))))
        (if (call $eq (i32.load (local.get $entry)) (i32.load offset=4 (local.get $entry))
                      (local.get $key) (local.get $key_len))
          (then (local.set $found (local.get $entry))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $found))

  ;; cabi_realloc(old_ptr, old_size, align, new_size) -> ptr
  ;; Always allocates fresh heap memory; a resize copies the old contents.
  (func (export "cabi_realloc")
        (param $old_ptr i32) (param $old_size i32) (param $align i32) (param $new_size i32)
        (result i32)
    (local $ptr i32)
    (local.set $ptr (call $alloc (local.get $align) (local.get $new_size)))
    (if (i32.and (i32.ne (local.get $old_ptr) (i32.const 0))
                 (i32.ne (local.get $old_size) (i32.const 0)))
      (then
        (call $copy (local.get $ptr) (local.get $old_ptr)
          (select (local.get $old_size) (local.get $new_size)
                  (i32.lt_u (local.get $old_size) (local.get $new_size))))))
    (local.get $ptr))

  ;; ======================================================================
  ;; Host call helpers (errors returned by the host are ignored)
  ;; ======================================================================

  (func $log (param $level i32) (param $level_len i32) (param $msg i32) (param $msg_len i32)
    (call $host_log_message (local.get $level) (local.get $level_len)
                            (local.get $msg) (local.get $msg_len) (global.get $RET_AREA)))

  ;; ======================================================================
  ;; Exports (interface plugin-api)
  ;; ======================================================================

  ;; initialize: func(config: list<tuple<string, string>>) -> result<_, string>
  (func (export "plugboard:plugin/plugin-api@1.0.0#initialize")
        (param $config i32) (param $count i32) (result i32)
    (local $n i32)
    (global.set $config_entries (local.get $count))
    ;; log-message("info", "initialized with N config entries")
    (call $copy (global.get $SCRATCH) (i32.const 1344) (i32.const 17))
    (local.set $n (call $utoa (local.get $count) (i32.add (global.get $SCRATCH) (i32.const 17))))
    (call $copy (i32.add (global.get $SCRATCH) (i32.add (i32.const 17) (local.get $n)))
                (i32.const 1408) (i32.const 15))
    (call $log (i32.const 1216) (i32.const 4)
               (global.get $SCRATCH) (i32.add (i32.const 32) (local.get $n)))
    ;; a config key "fail" -> err("initialize failed: requested by config")
    (if (call $find_last (local.get $config) (local.get $count) (i32.const 1792) (i32.const 4))
      (then
        (i32.store8 (global.get $INIT_RESULT) (i32.const 1))
        (i32.store offset=4 (global.get $INIT_RESULT) (i32.const 1472))
        (i32.store offset=8 (global.get $INIT_RESULT) (i32.const 38)))
      (else
        (i32.store8 (global.get $INIT_RESULT) (i32.const 0))
        (i32.store offset=4 (global.get $INIT_RESULT) (i32.const 0))
        (i32.store offset=8 (global.get $INIT_RESULT) (i32.const 0))))
    (global.get $INIT_RESULT))

  ;; process: func(req: process-request) -> process-response
  ;; The record argument is flattened: input (ptr, len), options (ptr, len).
  (func (export "plugboard:plugin/plugin-api@1.0.0#process")
        (param $in i32) (param $in_len i32) (param $opts i32) (param $opts_count i32)
        (result i32)
    (local $entry i32) (local $mode i32) (local $mode_len i32)
    (local $out i32) (local $out_len i32) (local $success i32)
    (local $err i32) (local $i i32) (local $c i32) (local $words i32) (local $in_word i32)
    (local $space i32) (local $prefix i32) (local $prefix_len i32) (local $n i32)

    ;; mode: the last "mode" option, default "uppercase"
    (local.set $mode (i32.const 1664))
    (local.set $mode_len (i32.const 9))
    (local.set $entry (call $find_last (local.get $opts) (local.get $opts_count)
                                       (i32.const 1600) (i32.const 4)))
    (if (local.get $entry)
      (then
        (local.set $mode (i32.load offset=8 (local.get $entry)))
        (local.set $mode_len (i32.load offset=12 (local.get $entry)))))

    (local.set $success (i32.const 1))
    (if (call $eq (local.get $mode) (local.get $mode_len) (i32.const 1664) (i32.const 9))
      (then
        ;; uppercase: ASCII a-z -> A-Z, every other byte unchanged
        (local.set $out (call $alloc (i32.const 1) (local.get $in_len)))
        (local.set $out_len (local.get $in_len))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $in_len)))
            (local.set $c (i32.load8_u (i32.add (local.get $in) (local.get $i))))
            (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
              (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
            (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $c))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next))))
      (else
        (if (call $eq (local.get $mode) (local.get $mode_len) (i32.const 1728) (i32.const 9))
          (then
            ;; wordcount: maximal runs of bytes other than ' ', \t, \n, \r
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $i) (local.get $in_len)))
                (local.set $c (i32.load8_u (i32.add (local.get $in) (local.get $i))))
                (local.set $space
                  (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32))
                                  (i32.eq (local.get $c) (i32.const 9)))
                          (i32.or (i32.eq (local.get $c) (i32.const 10))
                                  (i32.eq (local.get $c) (i32.const 13)))))
                (if (i32.and (i32.eqz (local.get $space)) (i32.eqz (local.get $in_word)))
                  (then (local.set $words (i32.add (local.get $words) (i32.const 1)))))
                (local.set $in_word (i32.eqz (local.get $space)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $next)))
            (local.set $out (call $alloc (i32.const 1) (i32.const 10)))
            (local.set $out_len (call $utoa (local.get $words) (local.get $out))))
          (else
            ;; unknown mode: output "", error "unknown mode: <mode>"
            (local.set $success (i32.const 0))
            (local.set $out (global.get $EMPTY))
            (local.set $out_len (i32.const 0))
            (local.set $err (call $alloc (i32.const 1)
                                         (i32.add (i32.const 14) (local.get $mode_len))))
            (call $copy (local.get $err) (i32.const 2112) (i32.const 14))
            (call $copy (i32.add (local.get $err) (i32.const 14))
                        (local.get $mode) (local.get $mode_len))))))

    ;; on success: get-config("prefix") -> some(p) makes the output p + output
    (if (local.get $success)
      (then
        (call $host_get_config (i32.const 1856) (i32.const 6) (global.get $RET_AREA))
        (if (i32.eq (i32.load8_u (global.get $RET_AREA)) (i32.const 1))
          (then
            (local.set $prefix (i32.load offset=4 (global.get $RET_AREA)))
            (local.set $prefix_len (i32.load offset=8 (global.get $RET_AREA)))
            (local.set $c (call $alloc (i32.const 1)
                                       (i32.add (local.get $prefix_len) (local.get $out_len))))
            (call $copy (local.get $c) (local.get $prefix) (local.get $prefix_len))
            (call $copy (i32.add (local.get $c) (local.get $prefix_len))
                        (local.get $out) (local.get $out_len))
            (local.set $out (local.get $c))
            (local.set $out_len (i32.add (local.get $prefix_len) (local.get $out_len)))))))

    ;; log-message("debug", "processed N bytes")
    (call $copy (global.get $SCRATCH) (i32.const 1984) (i32.const 10))
    (local.set $n (call $utoa (local.get $in_len) (i32.add (global.get $SCRATCH) (i32.const 10))))
    (call $copy (i32.add (global.get $SCRATCH) (i32.add (i32.const 10) (local.get $n)))
                (i32.const 2048) (i32.const 6))
    (call $log (i32.const 1280) (i32.const 5)
               (global.get $SCRATCH) (i32.add (i32.const 16) (local.get $n)))

    ;; on success: emit-event("processed", <mode>)
    (if (local.get $success)
      (then
        (call $host_emit_event (i32.const 1920) (i32.const 9)
                               (local.get $mode) (local.get $mode_len) (global.get $RET_AREA))))

    ;; write the process-response
    (i32.store (global.get $PROCESS_RESULT) (local.get $out))
    (i32.store offset=4 (global.get $PROCESS_RESULT) (local.get $out_len))
    (i32.store8 offset=8 (global.get $PROCESS_RESULT) (local.get $success))
    (if (local.get $success)
      (then
        (i32.store8 offset=12 (global.get $PROCESS_RESULT) (i32.const 0))
        (i32.store offset=16 (global.get $PROCESS_RESULT) (i32.const 0))
        (i32.store offset=20 (global.get $PROCESS_RESULT) (i32.const 0)))
      (else
        (i32.store8 offset=12 (global.get $PROCESS_RESULT) (i32.const 1))
        (i32.store offset=16 (global.get $PROCESS_RESULT) (local.get $err))
        (i32.store offset=20 (global.get $PROCESS_RESULT)
                   (i32.add (i32.const 14) (local.get $mode_len)))))
    (global.get $PROCESS_RESULT))

  ;; Called by the host once it has read process's result: everything on the
  ;; heap (arguments, output, host-returned strings) is dead now.
  (func (export "cabi_post_plugboard:plugin/plugin-api@1.0.0#process") (param $ret i32)
    (global.set $heap_top (global.get $HEAP_BASE)))

  ;; shutdown: func() -> result<_, string>
  (func (export "plugboard:plugin/plugin-api@1.0.0#shutdown") (result i32)
    (call $log (i32.const 1216) (i32.const 4) (i32.const 1536) (i32.const 13))
    (i32.store8 (global.get $SHUTDOWN_RESULT) (i32.const 0))
    (i32.store offset=4 (global.get $SHUTDOWN_RESULT) (i32.const 0))
    (i32.store offset=8 (global.get $SHUTDOWN_RESULT) (i32.const 0))
    (global.get $SHUTDOWN_RESULT))

  ;; get-metadata: func() -> plugin-metadata (static strings)
  (func (export "plugboard:plugin/plugin-api@1.0.0#get-metadata") (result i32)
    (i32.store (global.get $METADATA_RESULT) (i32.const 1024))               ;; name
    (i32.store offset=4 (global.get $METADATA_RESULT) (i32.const 18))
    (i32.store offset=8 (global.get $METADATA_RESULT) (i32.const 1088))      ;; version
    (i32.store offset=12 (global.get $METADATA_RESULT) (i32.const 5))
    (i32.store offset=16 (global.get $METADATA_RESULT) (i32.const 1152))     ;; description
    (i32.store offset=20 (global.get $METADATA_RESULT) (i32.const 35))
    (global.get $METADATA_RESULT))
)
