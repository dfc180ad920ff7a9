;; big-initial-memory: the limits plugin with 1000 pages (62.5 MiB) of initial
;; memory, which a 32 MiB quota must refuse at load.
(module
  (memory (export "memory") 1000)
  (global $heap_top (mut i32) (i32.const 4096))

  (data (i32.const 1024) "limits")  ;; 6
  (data (i32.const 1088) "1.0.0")
  (data (i32.const 1152) "hostile test plugin")  ;; 19
  (data (i32.const 1216) "recurse")  ;; 7
  (data (i32.const 1280) "grow")  ;; 4
  (data (i32.const 1344) "spin")  ;; 4
  (data (i32.const 1408) "huge")  ;; 4
  (data (i32.const 1472) "count")  ;; 5
  (global $calls (mut i32) (i32.const 0))

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

  ;; Unbounded recursion (not a tail call, so every level keeps a frame).
  (func $recurse (param $depth i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get $depth) (i32.const 1))) (i32.const 1)))

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

  ;; Writes "<prefix>=<n>" at 2048 (prefix is 5 or 6 bytes at `p`) and returns its length.
  (func $number (param $p i32) (param $plen i32) (param $n i32) (result i32)
    (local $digits i32) (local $v i32) (local $i i32)
    (memory.copy (i32.const 2048) (local.get $p) (local.get $plen))
    (i32.store8 (i32.add (i32.const 2048) (local.get $plen)) (i32.const 61))
    ;; count digits
    (local.set $v (local.get $n))
    (local.set $digits (i32.const 1))
    (block $d (loop $l
      (br_if $d (i32.lt_u (local.get $v) (i32.const 10)))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
      (br $l)))
    (local.set $v (local.get $n))
    (local.set $i (local.get $digits))
    (block $w (loop $l
      (br_if $w (i32.eqz (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (i32.add (i32.const 2049) (local.get $plen)) (local.get $i))
                  (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br $l)))
    (i32.add (i32.add (local.get $plen) (i32.const 1)) (local.get $digits)))

  (data (i32.const 1536) "pages")  ;; 5
  (data (i32.const 1600) "calls")  ;; 5

  ;; HOSTILE: picks a resource to exhaust by input.
  (func (export "plugboard:plugin/plugin-api@1.0.0#process")
        (param $in i32) (param $in_len i32) (param $opts i32) (param $opts_count i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1216) (i32.const 7))
      (then (drop (call $recurse (i32.const 0)))))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1280) (i32.const 4))
      (then
        (block $full (loop $more
          (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
          (br $more)))
        (return (call $respond (i32.const 2048) (call $number (i32.const 1536) (i32.const 5) (memory.size))))))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1344) (i32.const 4))
      (then (loop $forever (br $forever))))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1408) (i32.const 4))
      (then (return (call $respond (i32.const 0) (i32.const 100000000)))))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1472) (i32.const 5))
      (then (return (call $respond (i32.const 2048) (call $number (i32.const 1600) (i32.const 5) (global.get $calls))))))
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
    (i32.store offset=4 (i32.const 336) (i32.const 6))
    (i32.store offset=8 (i32.const 336) (i32.const 1088))
    (i32.store offset=12 (i32.const 336) (i32.const 5))
    (i32.store offset=16 (i32.const 336) (i32.const 1152))
    (i32.store offset=20 (i32.const 336) (i32.const 19))
    (i32.const 336))
)
