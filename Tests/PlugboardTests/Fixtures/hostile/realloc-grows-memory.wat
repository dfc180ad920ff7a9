;; realloc-grows-memory: a hostile Plugboard plugin for HostileGuestTests.
;;
;; A correct implementation of `plugboard:plugin/plugin-world@1.0.0` (process
;; echoes its input) except for ONE misbehaviour:
;; (legal, but adversarial) cabi_realloc grows memory by one 64 KiB page on
;; every call and returns the start of the new page, so every string and list
;; the host lowers lands in memory that did not exist when the call began.
;; process echoes its input with the value of its last option appended.
;;
;; Memory map: 256 import return area, 272 initialize result, 288 shutdown
;; result, 304 process result (24 bytes), 336 get-metadata result (24 bytes),
;; 1024.. string constants (one every 64 bytes), 4096.. bump-allocated heap.
(module
  (memory (export "memory") 1)
  (global $heap_top (mut i32) (i32.const 4096))

  (data (i32.const 1024) "realloc-grows-memory")  ;; 20
  (data (i32.const 1088) "1.0.0")
  (data (i32.const 1152) "hostile test plugin")  ;; 19

  ;; Bump-allocates `size` bytes aligned to `align`, growing memory as needed.
  (func $alloc (param $align i32) (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr
      (i32.and (i32.add (global.get $heap_top) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.const 1)
                      (i32.shr_u (i32.sub (local.get $end) (i32.shl (memory.size) (i32.const 16)))
                                 (i32.const 16))))
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

  ;; Grows memory on every allocation (up to 64 KiB each) and returns the new page.
  (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
    (local $page i32)
    (if (i32.gt_u (local.get $size) (i32.const 65536)) (then unreachable))
    (local.set $page (memory.grow (i32.const 1)))
    (if (i32.eq (local.get $page) (i32.const -1)) (then unreachable))
    (i32.shl (local.get $page) (i32.const 16)))

  (func (export "plugboard:plugin/plugin-api@1.0.0#initialize") (param i32 i32) (result i32)
    (i64.store (i32.const 272) (i64.const 0))
    (i32.store (i32.const 280) (i32.const 0))
    (i32.const 272))

  ;; Writes a successful process-response with output (ptr, len).
  (func $respond (param $out i32) (param $len i32) (result i32)
    (i32.store (i32.const 304) (local.get $out))
    (i32.store offset=4 (i32.const 304) (local.get $len))
    (i32.store8 offset=8 (i32.const 304) (i32.const 1))
    (i32.store8 offset=12 (i32.const 304) (i32.const 0))
    (i32.store offset=16 (i32.const 304) (i32.const 0))
    (i32.store offset=20 (i32.const 304) (i32.const 0))
    (i32.const 304))

  (func (export "plugboard:plugin/plugin-api@1.0.0#process")
        (param $in i32) (param $in_len i32) (param $opts i32) (param $opts_count i32) (result i32)
    (local $last i32) (local $value i32) (local $value_len i32) (local $out i32)
    (if (i32.eqz (local.get $opts_count))
      (then (return (call $respond (local.get $in) (local.get $in_len)))))
    (local.set $last (i32.add (local.get $opts) (i32.shl (i32.sub (local.get $opts_count) (i32.const 1)) (i32.const 4))))
    (local.set $value (i32.load offset=8 (local.get $last)))
    (local.set $value_len (i32.load offset=12 (local.get $last)))
    (local.set $out (call $alloc (i32.const 1) (i32.add (local.get $in_len) (local.get $value_len))))
    (call $copy (local.get $out) (local.get $in) (local.get $in_len))
    (call $copy (i32.add (local.get $out) (local.get $in_len)) (local.get $value) (local.get $value_len))
    (call $respond (local.get $out) (i32.add (local.get $in_len) (local.get $value_len))))

  ;; The host has read process's result: everything on the heap is dead.
  (func (export "cabi_post_plugboard:plugin/plugin-api@1.0.0#process") (param i32)
    (global.set $heap_top (i32.const 4096)))

  (func (export "plugboard:plugin/plugin-api@1.0.0#shutdown") (result i32)
    (i64.store (i32.const 288) (i64.const 0))
    (i32.store (i32.const 296) (i32.const 0))
    (i32.const 288))

  (func (export "plugboard:plugin/plugin-api@1.0.0#get-metadata") (result i32)
    (i32.store (i32.const 336) (i32.const 1024))
    (i32.store offset=4 (i32.const 336) (i32.const 20))
    (i32.store offset=8 (i32.const 336) (i32.const 1088))
    (i32.store offset=12 (i32.const 336) (i32.const 5))
    (i32.store offset=16 (i32.const 336) (i32.const 1152))
    (i32.store offset=20 (i32.const 336) (i32.const 19))
    (i32.const 336))
)
