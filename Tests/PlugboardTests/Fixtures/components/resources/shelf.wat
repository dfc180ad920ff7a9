;; The core module of the `keeper` world of shelf.wit (made a component by wasm-tools in the test run): gives the
;; host's boxes back through lists, options and tuples. Results go at 16; cabi_realloc bumps up from 1024.
(module
  (import "demo:shelf/boxes@0.1.0" "[resource-drop]box" (func $drop (param i32)))
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func $realloc (export "cabi_realloc") (param $old i32) (param $old-size i32) (param $align i32) (param $size i32) (result i32)
    (local $at i32)
    (local.set $at
      (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1))) (i32.sub (i32.const 0) (local.get $align))))
    (global.set $next (i32.add (local.get $at) (local.get $size)))
    (local.get $at))
  (func (export "demo:shelf/shelf@0.1.0#reverse") (param $list i32) (param $count i32) (result i32)
    (local $out i32) (local $i i32)
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.mul (local.get $count) (i32.const 4))))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (i32.store
          (i32.add (local.get $out) (i32.mul (i32.sub (i32.sub (local.get $count) (i32.const 1)) (local.get $i)) (i32.const 4)))
          (i32.load (i32.add (local.get $list) (i32.mul (local.get $i) (i32.const 4)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (i32.store (i32.const 16) (local.get $out))
    (i32.store (i32.const 20) (local.get $count))
    (i32.const 16))
  (func (export "demo:shelf/shelf@0.1.0#pick") (param $some i32) (param $box i32) (param $lent i32) (param $n i32) (result i32)
    (call $drop (local.get $lent))
    (i32.store (i32.const 16) (local.get $some))
    (i32.store (i32.const 20) (select (local.get $box) (i32.const 0) (local.get $some)))
    (i32.store (i32.const 24) (local.get $n))
    (i32.const 16)))
