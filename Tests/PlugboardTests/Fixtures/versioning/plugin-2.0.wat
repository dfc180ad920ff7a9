;; plugin-2.0: built against plugboard:versioning@2.0.0 (2.0.0/versioning.wit).
;; Imports host-api@2.0.0 log-message; exports plugin-api@2.0.0 process, count
;; and extra, with 2.0's count(n: u64) -> u64.
;;
;; Memory map: 256 log-message result area, 512 process result, 1024.. string
;; constants, 4096.. bump-allocated heap.
(module
  (import "plugboard:versioning/host-api@2.0.0" "log-message" (func $log (param i32 i32 i32 i32 i32)))
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
  (func (export "plugboard:versioning/plugin-api@2.0.0#process") (param i32 i32 i32 i32) (result i32)
    (i32.store (i32.const 512) (local.get 0))
    (i32.store offset=4 (i32.const 512) (local.get 1))
    (i32.const 512))

  ;; count(n) -> u64: logs "count called" through the host, then answers.
  (func (export "plugboard:versioning/plugin-api@2.0.0#count") (param $n i64) (result i64)
    (call $log (i32.const 1024) (i32.const 4) (i32.const 1088) (i32.const 12) (i32.const 256))
    (i64.add (local.get $n) (i64.const 1)))

  ;; extra(n) -> u32 (new in 1.1): n * 2.
  (func (export "plugboard:versioning/plugin-api@2.0.0#extra") (param $n i32) (result i32)
    (i32.mul (local.get $n) (i32.const 2)))
)
