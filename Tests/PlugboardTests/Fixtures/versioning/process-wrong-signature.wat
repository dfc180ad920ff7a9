;; process-wrong-signature: built against a variant of plugboard:versioning@1.0.0
;; whose process takes a u32 (`process: func(n: u32) -> string`), so it exports
;; `#process` as (i32) -> i32 instead of the (i32, i32, i32, i32) -> i32 that
;; `process: func(req: process-request) -> string` lowers to. Everything else
;; is a correct 1.0 plugin.
;;
;; Memory map: 256 log-message result area, 512 process result, 1024.. string
;; constants, 4096.. bump-allocated heap.
(module
  (import "plugboard:versioning/host-api@1.0.0" "log-message" (func $log (param i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))

  (data (i32.const 1024) "info")
  (data (i32.const 1088) "count called")  ;; 12

  ;; cabi_realloc(old_ptr, old_size, align, new_size) -> ptr: a bump allocator.
  (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.const 1)))))
    (local.get $ptr))

  ;; process(req) -> string: returns the request's input.
  (func (export "plugboard:versioning/plugin-api@1.0.0#process") (param i32) (result i32)
    (i32.store (i32.const 512) (i32.const 1024))
    (i32.store offset=4 (i32.const 512) (i32.const 4))
    (i32.const 512))

  ;; count(n) -> u32: logs "count called" through the host, then answers.
  (func (export "plugboard:versioning/plugin-api@1.0.0#count") (param $n i32) (result i32)
    (call $log (i32.const 1024) (i32.const 4) (i32.const 1088) (i32.const 12) (i32.const 256))
    (i32.add (local.get $n) (i32.const 1)))
)
