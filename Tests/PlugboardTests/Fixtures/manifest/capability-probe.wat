;; capability-probe: a Plugboard plugin for CapabilityTests that reports what its WASI grants let it see.
;;
;; A correct implementation of `plugboard:plugin/plugin-world@1.0.0`; process looks at its input:
;;   "env"    -> the environment (environ_sizes_get + environ_get), entries separated by ';'
;;   "args"   -> the arguments (args_sizes_get + args_get), separated by ';'
;;   "clock"  -> the errno of clock_time_get(realtime) as two digits ("00" = granted)
;;   "random" -> the errno of random_get(8 bytes) as two digits
;;   "out"    -> writes "probe says hi\n" to stdout, answers "written"
;;   else     -> echoes the input
;;
;; Memory map: 200 WASI scratch (sizes, clock value), 304 process result, 336 get-metadata result,
;; 400 two-digit errno output, 1024.. string constants, 8192 pointer arrays, 16384.. string buffers.
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap_top (mut i32) (i32.const 32768))

  (data (i32.const 1024) "capability-probe")  ;; 16
  (data (i32.const 1088) "1.0.0")
  (data (i32.const 1152) "capability test plugin")  ;; 22
  (data (i32.const 1216) "env")     ;; 3
  (data (i32.const 1280) "args")    ;; 4
  (data (i32.const 1344) "clock")   ;; 5
  (data (i32.const 1408) "random")  ;; 6
  (data (i32.const 1472) "out")     ;; 3
  (data (i32.const 1536) "probe says hi\n")  ;; 14
  (data (i32.const 1600) "written")  ;; 7

  (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr
      (i32.and (i32.add (global.get $heap_top) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap_top (i32.add (local.get $ptr) (local.get $size)))
    (local.get $ptr))

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

  (func $respond (param $out i32) (param $len i32) (result i32)
    (i32.store (i32.const 304) (local.get $out))
    (i32.store offset=4 (i32.const 304) (local.get $len))
    (i32.store8 offset=8 (i32.const 304) (i32.const 1))
    (i32.store8 offset=12 (i32.const 304) (i32.const 0))
    (i32.store offset=16 (i32.const 304) (i32.const 0))
    (i32.store offset=20 (i32.const 304) (i32.const 0))
    (i32.const 304))

  ;; Answers the errno as two ASCII digits.
  (func $respond_errno (param $errno i32) (result i32)
    (i32.store8 (i32.const 400) (i32.add (i32.const 48) (i32.div_u (local.get $errno) (i32.const 10))))
    (i32.store8 (i32.const 401) (i32.add (i32.const 48) (i32.rem_u (local.get $errno) (i32.const 10))))
    (call $respond (i32.const 400) (i32.const 2)))

  ;; Answers the strings at 16384 (total size at 204), NULs turned into ';' and the last one dropped.
  (func $respond_strings (result i32)
    (local $i i32) (local $len i32)
    (local.set $len (i32.load (i32.const 204)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (if (i32.eqz (i32.load8_u (i32.add (i32.const 16384) (local.get $i))))
          (then (i32.store8 (i32.add (i32.const 16384) (local.get $i)) (i32.const 59))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i32.gt_u (local.get $len) (i32.const 0)) (then (local.set $len (i32.sub (local.get $len) (i32.const 1)))))
    (call $respond (i32.const 16384) (local.get $len)))

  (func (export "plugboard:plugin/plugin-api@1.0.0#process")
        (param $in i32) (param $in_len i32) (param $opts i32) (param $opts_count i32) (result i32)
    (local $errno i32)
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1216) (i32.const 3))
      (then
        (local.set $errno (call $environ_sizes_get (i32.const 200) (i32.const 204)))
        (if (local.get $errno) (then (return (call $respond_errno (local.get $errno)))))
        (local.set $errno (call $environ_get (i32.const 8192) (i32.const 16384)))
        (if (local.get $errno) (then (return (call $respond_errno (local.get $errno)))))
        (return (call $respond_strings))))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1280) (i32.const 4))
      (then
        (local.set $errno (call $args_sizes_get (i32.const 200) (i32.const 204)))
        (if (local.get $errno) (then (return (call $respond_errno (local.get $errno)))))
        (local.set $errno (call $args_get (i32.const 8192) (i32.const 16384)))
        (if (local.get $errno) (then (return (call $respond_errno (local.get $errno)))))
        (return (call $respond_strings))))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1344) (i32.const 5))
      (then (return (call $respond_errno (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 208))))))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1408) (i32.const 6))
      (then (return (call $respond_errno (call $random_get (i32.const 216) (i32.const 8))))))
    (if (call $eq (local.get $in) (local.get $in_len) (i32.const 1472) (i32.const 3))
      (then
        (i32.store (i32.const 224) (i32.const 1536))
        (i32.store (i32.const 228) (i32.const 14))
        (drop (call $fd_write (i32.const 1) (i32.const 224) (i32.const 1) (i32.const 232)))
        (return (call $respond (i32.const 1600) (i32.const 7)))))
    (call $respond (local.get $in) (local.get $in_len)))

  (func (export "cabi_post_plugboard:plugin/plugin-api@1.0.0#process") (param i32)
    (global.set $heap_top (i32.const 32768)))

  (func (export "plugboard:plugin/plugin-api@1.0.0#initialize") (param i32 i32) (result i32)
    (i64.store (i32.const 272) (i64.const 0))
    (i32.store (i32.const 280) (i32.const 0))
    (i32.const 272))

  (func (export "plugboard:plugin/plugin-api@1.0.0#shutdown") (result i32)
    (i64.store (i32.const 288) (i64.const 0))
    (i32.store (i32.const 296) (i32.const 0))
    (i32.const 288))

  (func (export "plugboard:plugin/plugin-api@1.0.0#get-metadata") (result i32)
    (i32.store (i32.const 336) (i32.const 1024))
    (i32.store offset=4 (i32.const 336) (i32.const 16))
    (i32.store offset=8 (i32.const 336) (i32.const 1088))
    (i32.store offset=12 (i32.const 336) (i32.const 5))
    (i32.store offset=16 (i32.const 336) (i32.const 1152))
    (i32.store offset=20 (i32.const 336) (i32.const 22))
    (i32.const 336))
)
