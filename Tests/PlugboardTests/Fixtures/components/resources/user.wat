;; Uses and misuses handles to the host's `thing`s (things.wit), by mode:
;;   0 make, poke, drop                      -> 0
;;   1 use after drop (poke a dropped handle)
;;   2 poke a forged handle (12345)
;;   3 drop the same handle twice
;;   4 make, give it to the host (consume)   -> what consume returns
;;   5 use after giving it away
;;   6 make and keep it (never dropped)       -> the handle
;;   7 make things forever without dropping any
;;   8 spin the thing as if it were a gadget
(module
  (import "demo:res/things@0.1.0" "make" (func $make (result i32)))
  (import "demo:res/things@0.1.0" "[method]thing.poke" (func $poke (param i32)))
  (import "demo:res/things@0.1.0" "consume" (func $consume (param i32) (result i32)))
  (import "demo:res/things@0.1.0" "[resource-drop]thing" (func $drop (param i32)))
  (import "demo:res/things@0.1.0" "[method]gadget.spin" (func $spin (param i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "run") (param $mode i32) (result i32) (local $h i32)
    (local.set $h (call $make))
    (call $poke (local.get $h))
    (if (i32.eq (local.get $mode) (i32.const 0)) (then (call $drop (local.get $h)) (return (i32.const 0))))
    (if (i32.eq (local.get $mode) (i32.const 1)) (then (call $drop (local.get $h)) (call $poke (local.get $h)) (return (i32.const 1))))
    (if (i32.eq (local.get $mode) (i32.const 2)) (then (call $poke (i32.const 12345)) (return (i32.const 2))))
    (if (i32.eq (local.get $mode) (i32.const 3)) (then (call $drop (local.get $h)) (call $drop (local.get $h)) (return (i32.const 3))))
    (if (i32.eq (local.get $mode) (i32.const 4)) (then (return (call $consume (local.get $h)))))
    (if (i32.eq (local.get $mode) (i32.const 5)) (then (drop (call $consume (local.get $h))) (call $poke (local.get $h)) (return (i32.const 5))))
    (if (i32.eq (local.get $mode) (i32.const 6)) (then (return (local.get $h))))
    (if (i32.eq (local.get $mode) (i32.const 7)) (then (loop $forever (drop (call $make)) (br $forever))))
    (if (i32.eq (local.get $mode) (i32.const 8)) (then (call $spin (local.get $h)) (return (i32.const 8))))
    (i32.const -1)))
