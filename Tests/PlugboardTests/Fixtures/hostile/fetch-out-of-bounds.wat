;; fetch-out-of-bounds: a hostile Plugboard plugin for HTTPFetchTests.
;;
;; A correct implementation of `plugboard:plugin/plugin-world@1.0.0` that also
;; imports `outgoing-http` (process echoes its input) except for ONE
;; misbehaviour: process calls fetch with the request's url pointer at
;; 0xFFFFFF00, past the end of memory, when its input is "bad"; it echoes any
;; other input without calling fetch.
;;
;; Memory map: 256 import return area, 272 initialize result, 288 shutdown
;; result, 304 process result (24 bytes), 336 get-metadata result (24 bytes),
;; 1024.. string constants (one every 64 bytes), 4096.. bump-allocated heap.
(module
  ;; fetch(request) -> result<response, fetch-error>: method, url, headers,
  ;; body (each ptr, len), then the return pointer.
  (import "plugboard:plugin/outgoing-http@1.0.0" "fetch"
    (func $fetch (param i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap_top (mut i32) (i32.const 4096))

  (data (i32.const 1024) "fetch-out-of-bounds")  ;; 19
  (data (i32.const 1088) "1.0.0")
  (data (i32.const 1152) "hostile test plugin")  ;; 19
  (data (i32.const 1216) "bad")   ;; 3
  (data (i32.const 1280) "GET")  ;; 3

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

  ;; cabi_realloc(old_ptr, old_size, align, new_size) -> ptr (the host only
  ;; ever asks for fresh allocations).
  (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
    (call $alloc (local.get $align) (local.get $size)))

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

  ;; HOSTILE: hands the host an out-of-bounds url on one input.
  (func (export "plugboard:plugin/plugin-api@1.0.0#process")
        (param $in i32) (param $in_len i32) (param $opts i32) (param $opts_count i32) (result i32)
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1216) (i32.const 3))
      (then
        (call $fetch (i32.const 1280) (i32.const 3) (i32.const 0xFFFFFF00) (i32.const 16)
                     (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 256))))
    (call $respond (local.get $in) (local.get $in_len)))

  ;; The host has read process's result: everything on the heap is dead.
  (func (export "cabi_post_plugboard:plugin/plugin-api@1.0.0#process") (param i32)
    (global.set $heap_top (i32.const 4096)))

  (func (export "plugboard:plugin/plugin-api@1.0.0#shutdown") (result i32)
    (i64.store (i32.const 288) (i64.const 0))
    (i32.store (i32.const 296) (i32.const 0))
    (i32.const 288))

  (func (export "plugboard:plugin/plugin-api@1.0.0#get-metadata") (result i32)
    (i32.store (i32.const 336) (i32.const 1024))
    (i32.store offset=4 (i32.const 336) (i32.const 19))
    (i32.store offset=8 (i32.const 336) (i32.const 1088))
    (i32.store offset=12 (i32.const 336) (i32.const 5))
    (i32.store offset=16 (i32.const 336) (i32.const 1152))
    (i32.store offset=20 (i32.const 336) (i32.const 19))
    (i32.const 336))
)
