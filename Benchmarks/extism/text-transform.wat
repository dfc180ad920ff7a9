;; text-transform (Extism): the benchmark's `process` work of examples/plugins/text-transform-c, as an
;; Extism plugin written by hand, so Benchmarks/extism/bench.py can time Extism (Python SDK, Wasmtime JIT)
;; doing the same work as Plugboard's `plugboard-benchmarks process`.
;;
;; Export `process` (no params, returns i32 0 = success), per call:
;;   1. copies the input (Extism memory) into this module's own linear memory (input_length, then
;;      input_load_u64 per 8 bytes and input_load_u8 for the tail, the way Extism's PDKs read input);
;;   2. ASCII-uppercases it there, byte by byte;
;;   3. reads config "prefix": alloc + store the key, config_get (which takes the key handle and frees it);
;;      a value found is prepended to the output, then freed;
;;   4. logs "processed N bytes" (N = input length) through log_debug (which takes the handle);
;;   5. calls the user host function emit_event("processed", "uppercase") with two handles made by alloc +
;;      store, and frees them afterwards;
;;   6. copies the result into Extism memory (alloc, store_u64/store_u8) and output_set.
;;
;; Differences from the C plugin that the Extism ABI imposes (a call takes bytes, not a typed request):
;;   - No options list: Extism input is one byte buffer, so mode is the constant "uppercase" and there is no
;;     option lowering or "mode" lookup (the C plugin is handed options [("mode", "uppercase")] and compares).
;;   - The log level is the import's name (log_debug); the C plugin passes "debug" as a string. With no log
;;     sink configured (bench.py times without one) Extism frees the handle without reading the message;
;;     Plugboard lifts both strings and then hands them to swift-log.
;;   - Strings cross as Extism memory handles, copied with one call into the Extism kernel module (Wasm to
;;     Wasm) per 8 bytes, not as (pointer, length) pairs in the plugin's memory; results are not
;;     `result<_, string>`: emit_event returns nothing and config_get returns 0 for "absent".
;;   - The prefixed output is built in place (no extra copy, unlike the C concat); prefix is absent by default.
;;   - The kernel's allocator is reset by the host before every call, so nothing outlives a call here either.
;;
;; ABI (Extism runtime/kernel 1.x, checked against the kernel embedded in PyPI extism-sys 1.41.0):
;; extism:host/env exports alloc(i64)->i64, free(i64), length(i64)->i64, load_u8(i64)->i32,
;; load_u64(i64)->i64, store_u8(i64,i32), store_u64(i64,i64), input_length()->i64,
;; input_load_u8(i64)->i32, input_load_u64(i64)->i64, output_set(i64,i64) (kernel/src/lib.rs) and the host
;; adds config_get(i64)->i64 and log_debug(i64) (runtime/src/plugin.rs, runtime/src/pdk.rs). User host
;; functions are imported from extism:host/user; the Python SDK's @host_fn with `str` parameters makes each
;; one an i64 handle.
;;
;; Memory map of this module's own memory:
;;     16  "prefix"      32  "processed"      48  "uppercase"      64  "processed "      80  " bytes"
;;    128  scratch for the log message (up to 10 + 20 + 6 bytes)
;;   1024  input buffer (memory grows to fit the input)
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "log_debug" (func $log_debug (param i64)))
  ;; bench.py's Python host function: emit_event(type: str, payload: str)
  (import "extism:host/user" "emit_event" (func $emit_event (param i64 i64)))

  (memory (export "memory") 1)
  (data (i32.const 16) "prefix")
  (data (i32.const 32) "processed")
  (data (i32.const 48) "uppercase")
  (data (i32.const 64) "processed ")
  (data (i32.const 80) " bytes")

  (global $BUF i32 (i32.const 1024))
  (global $MSG i32 (i32.const 128))

  ;; Copies `len` bytes from this module's memory at `src` to Extism memory at `dst`.
  (func $store_at (param $dst i64) (param $src i32) (param $len i64)
    (local $i i64)
    (block $done8
      (loop $next8
        (br_if $done8 (i64.gt_u (i64.add (local.get $i) (i64.const 8)) (local.get $len)))
        (call $store_u64 (i64.add (local.get $dst) (local.get $i))
          (i64.load (i32.add (local.get $src) (i32.wrap_i64 (local.get $i)))))
        (local.set $i (i64.add (local.get $i) (i64.const 8)))
        (br $next8)))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $dst) (local.get $i))
          (i32.load8_u (i32.add (local.get $src) (i32.wrap_i64 (local.get $i)))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next))))

  ;; A new Extism memory block holding `len` bytes from this module's memory at `src` (0 if `len` is 0).
  (func $to_extism (param $src i32) (param $len i64) (result i64)
    (local $h i64)
    (local.set $h (call $alloc (local.get $len)))
    (call $store_at (local.get $h) (local.get $src) (local.get $len))
    (local.get $h))

  ;; Copies `len` bytes of Extism memory from `src` to `dst` (both Extism offsets).
  (func $extism_copy (param $dst i64) (param $src i64) (param $len i64)
    (local $i i64)
    (block $done8
      (loop $next8
        (br_if $done8 (i64.gt_u (i64.add (local.get $i) (i64.const 8)) (local.get $len)))
        (call $store_u64 (i64.add (local.get $dst) (local.get $i))
          (call $load_u64 (i64.add (local.get $src) (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 8)))
        (br $next8)))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $dst) (local.get $i))
          (call $load_u8 (i64.add (local.get $src) (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next))))

  ;; Copies the call's input into this module's memory at `dst`.
  (func $load_input (param $dst i32) (param $len i64)
    (local $i i64)
    (block $done8
      (loop $next8
        (br_if $done8 (i64.gt_u (i64.add (local.get $i) (i64.const 8)) (local.get $len)))
        (i64.store (i32.add (local.get $dst) (i32.wrap_i64 (local.get $i)))
          (call $input_load_u64 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 8)))
        (br $next8)))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (i32.store8 (i32.add (local.get $dst) (i32.wrap_i64 (local.get $i)))
          (call $input_load_u8 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next))))

  ;; Writes `v` in decimal at `dst`; returns the number of digits.
  (func $utoa (param $dst i32) (param $v i64) (result i32)
    (local $n i32) (local $t i64) (local $p i32)
    ;; count digits
    (local.set $t (local.get $v))
    (loop $count
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $t (i64.div_u (local.get $t) (i64.const 10)))
      (br_if $count (i64.ne (local.get $t) (i64.const 0))))
    ;; write them backwards
    (local.set $p (i32.add (local.get $dst) (local.get $n)))
    (loop $write
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $write (i64.ne (local.get $v) (i64.const 0))))
    (local.get $n))

  (func (export "process") (result i32)
    (local $n i64) (local $i i32) (local $end i32) (local $c i32) (local $need i32)
    (local $prefix i64) (local $plen i64) (local $out i64) (local $msglen i32)
    (local $type i64) (local $payload i64)

    ;; 1. input -> own memory at BUF (grow to fit)
    (local.set $n (call $input_length))
    (local.set $need (i32.wrap_i64 (i64.shr_u
      (i64.add (i64.add (i64.extend_i32_u (global.get $BUF)) (local.get $n)) (i64.const 65535))
      (i64.const 16))))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
          (then (unreachable)))))
    (call $load_input (global.get $BUF) (local.get $n))

    ;; 2. ASCII uppercase in place
    (local.set $i (global.get $BUF))
    (local.set $end (i32.add (global.get $BUF) (i32.wrap_i64 (local.get $n))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
          (then (i32.store8 (local.get $i) (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))

    ;; 3. config "prefix" (config_get frees the key handle); 6. output into Extism memory
    (local.set $prefix (call $config_get (call $to_extism (i32.const 16) (i64.const 6))))
    (if (i64.eqz (local.get $prefix))
      (then
        (local.set $out (call $to_extism (global.get $BUF) (local.get $n))))
      (else
        (local.set $plen (call $length (local.get $prefix)))
        (local.set $out (call $alloc (i64.add (local.get $plen) (local.get $n))))
        (call $extism_copy (local.get $out) (local.get $prefix) (local.get $plen))
        (call $store_at (i64.add (local.get $out) (local.get $plen)) (global.get $BUF) (local.get $n))
        (call $free (local.get $prefix))))

    ;; 4. log "processed N bytes" at debug (log_debug frees the handle)
    (i64.store (global.get $MSG) (i64.load (i32.const 64)))                        ;; "processe"
    (i32.store16 (i32.add (global.get $MSG) (i32.const 8)) (i32.load16_u (i32.const 72)))  ;; "d "
    (local.set $msglen (i32.add (i32.const 10)
      (call $utoa (i32.add (global.get $MSG) (i32.const 10)) (local.get $n))))
    (i32.store (i32.add (global.get $MSG) (local.get $msglen)) (i32.load (i32.const 80)))  ;; " byt"
    (i32.store16 (i32.add (global.get $MSG) (i32.add (local.get $msglen) (i32.const 4)))
      (i32.load16_u (i32.const 84)))                                             ;; "es"
    (local.set $msglen (i32.add (local.get $msglen) (i32.const 6)))
    (call $log_debug (call $to_extism (global.get $MSG) (i64.extend_i32_u (local.get $msglen))))

    ;; 5. emit_event("processed", mode)
    (local.set $type (call $to_extism (i32.const 32) (i64.const 9)))
    (local.set $payload (call $to_extism (i32.const 48) (i64.const 9)))
    (call $emit_event (local.get $type) (local.get $payload))
    (call $free (local.get $type))
    (call $free (local.get $payload))

    (call $output_set (local.get $out) (i64.add (local.get $plen) (local.get $n)))
    (i32.const 0)))
