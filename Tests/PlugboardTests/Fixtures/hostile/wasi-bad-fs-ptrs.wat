;; wasi-bad-fs-ptrs: a hostile Plugboard plugin for FilesystemTests.
;;
;; A correct implementation of `plugboard:plugin/plugin-world@1.0.0` except
;; that process calls WASI file functions with bad pointers, lengths and fds
;; and answers the errno it gets back, in decimal. The first byte of the input
;; picks the case (fd 3 is the first preopened directory, holding hello.txt):
;;   p  path_open with the path pointer past the end of memory      -> 21
;;   r  path_open(O_CREAT "created.txt") with a bad result pointer  -> 21
;;   l  path_open with a 5000-byte path length                       -> 37
;;   a  path_open("/etc/passwd")                                     -> 76
;;   d  path_open("../hello.txt")                                    -> 76
;;   i  path_open("hello.txt"), fd_read into (60000, 10000)          -> 21
;;   v  path_open("hello.txt"), fd_read with the iovec array at 0xFFFFFF00 -> 21
;;   b  fd_readdir(3) into a buffer at 0xFFFFFF00                    -> 21
;;   g  fd_readdir(3) with a 0xFFFFFFFF-byte buffer                  -> 21
;;   u  fd_readdir(3) with bufused at 0xFFFFFFFE                     -> 21
;;   n  fd_prestat_dir_name(3) into a buffer past the end            -> 21
;;   f  fd_read on fd 99                                             -> 8
;;   o  path_open("hello.txt") and fd_read 100 bytes at 8192          -> 0
;;
;; Memory map: 256 import return area, 272 initialize result, 288 shutdown
;; result, 304 process result (24 bytes), 336 get-metadata result (24 bytes),
;; 512 iovec, 528 opened fd, 540 nread/bufused, 1024.. string constants,
;; 4096.. bump-allocated heap (8192 is used as a scratch buffer first).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir"
    (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $prestat_dir_name (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap_top (mut i32) (i32.const 16384))

  (data (i32.const 1024) "wasi-bad-fs-ptrs")  ;; 16
  (data (i32.const 1088) "1.0.0")
  (data (i32.const 1152) "hostile test plugin")  ;; 19
  (data (i32.const 1344) "hello.txt")     ;; 9
  (data (i32.const 1408) "/etc/passwd")   ;; 11
  (data (i32.const 1472) "../hello.txt")  ;; 12
  (data (i32.const 1536) "created.txt")   ;; 11

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

  ;; Writes `n` in decimal at `dst` (up to 10 bytes); returns the length.
  (func $utoa (param $n i32) (param $dst i32) (result i32)
    (local $len i32) (local $t i32)
    (local.set $t (local.get $n))
    (loop $count
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (br_if $count (local.get $t)))
    (local.set $t (i32.add (local.get $dst) (local.get $len)))
    (loop $digit
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (i32.store8 (local.get $t) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (i32.gt_u (local.get $t) (local.get $dst))))
    (local.get $len))

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

  ;; Opens "hello.txt" beneath fd 3 for reading; the fd is stored at 528.
  (func $open_hello (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 1344) (i32.const 9) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 528)))

  ;; HOSTILE: one bad call per input (see the header).
  (func (export "plugboard:plugin/plugin-api@1.0.0#process")
        (param $in i32) (param $in_len i32) (param $opts i32) (param $opts_count i32) (result i32)
    (local $c i32) (local $errno i32) (local $out i32)
    (if (local.get $in_len) (then (local.set $c (i32.load8_u (local.get $in)))))
    (local.set $errno (i32.const 9999))
    ;; a good iovec: (8192, 100)
    (i32.store (i32.const 512) (i32.const 8192))
    (i32.store offset=4 (i32.const 512) (i32.const 100))
    (if (i32.eq (local.get $c) (i32.const 0x70)) ;; p
      (then (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 0xFFFFFFF0) (i32.const 100)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 528)))))
    (if (i32.eq (local.get $c) (i32.const 0x72)) ;; r
      (then (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 1536) (i32.const 11)
        (i32.const 1) (i64.const 0x42) (i64.const 0) (i32.const 0) (i32.const 0xFFFFFFFF)))))
    (if (i32.eq (local.get $c) (i32.const 0x6C)) ;; l
      (then (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 1344) (i32.const 5000)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 528)))))
    (if (i32.eq (local.get $c) (i32.const 0x61)) ;; a
      (then (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 1408) (i32.const 11)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 528)))))
    (if (i32.eq (local.get $c) (i32.const 0x64)) ;; d
      (then (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 1472) (i32.const 12)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 528)))))
    (if (i32.eq (local.get $c) (i32.const 0x69)) ;; i
      (then
        (local.set $errno (call $open_hello))
        (if (i32.eqz (local.get $errno))
          (then
            (i32.store (i32.const 512) (i32.const 60000))
            (i32.store offset=4 (i32.const 512) (i32.const 10000))
            (local.set $errno (call $fd_read (i32.load (i32.const 528)) (i32.const 512) (i32.const 1) (i32.const 540)))))))
    (if (i32.eq (local.get $c) (i32.const 0x76)) ;; v
      (then
        (local.set $errno (call $open_hello))
        (if (i32.eqz (local.get $errno))
          (then (local.set $errno (call $fd_read (i32.load (i32.const 528)) (i32.const 0xFFFFFF00) (i32.const 1) (i32.const 540)))))))
    (if (i32.eq (local.get $c) (i32.const 0x62)) ;; b
      (then (local.set $errno (call $fd_readdir (i32.const 3) (i32.const 0xFFFFFF00) (i32.const 1000) (i64.const 0) (i32.const 540)))))
    (if (i32.eq (local.get $c) (i32.const 0x67)) ;; g
      (then (local.set $errno (call $fd_readdir (i32.const 3) (i32.const 8192) (i32.const 0xFFFFFFFF) (i64.const 0) (i32.const 540)))))
    (if (i32.eq (local.get $c) (i32.const 0x75)) ;; u
      (then (local.set $errno (call $fd_readdir (i32.const 3) (i32.const 8192) (i32.const 1000) (i64.const 0) (i32.const 0xFFFFFFFE)))))
    (if (i32.eq (local.get $c) (i32.const 0x6E)) ;; n
      (then (local.set $errno (call $prestat_dir_name (i32.const 3) (i32.const 0xFFFFFFF0) (i32.const 100)))))
    (if (i32.eq (local.get $c) (i32.const 0x66)) ;; f
      (then (local.set $errno (call $fd_read (i32.const 99) (i32.const 512) (i32.const 1) (i32.const 540)))))
    (if (i32.eq (local.get $c) (i32.const 0x6F)) ;; o
      (then
        (local.set $errno (call $open_hello))
        (if (i32.eqz (local.get $errno))
          (then (local.set $errno (call $fd_read (i32.load (i32.const 528)) (i32.const 512) (i32.const 1) (i32.const 540)))))))
    (local.set $out (call $alloc (i32.const 1) (i32.const 10)))
    (call $respond (local.get $out) (call $utoa (local.get $errno) (local.get $out))))

  ;; The host has read process's result: everything on the heap is dead.
  (func (export "cabi_post_plugboard:plugin/plugin-api@1.0.0#process") (param i32)
    (global.set $heap_top (i32.const 16384)))

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
    (i32.store offset=20 (i32.const 336) (i32.const 19))
    (i32.const 336))
)
