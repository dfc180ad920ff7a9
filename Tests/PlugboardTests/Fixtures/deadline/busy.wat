;; busy: a plugin of the `test:busy/busy` world (see DeadlineTests) that keeps the CPU busy, for the wall-clock
;; deadline and cancellation tests, and that exercises the fuel-metered interpreter broadly: an imported function,
;; calls, call_indirect through a table filled by active, passive and expression element segments, ref.func in a
;; global, a start function and exported functions.
;;
;;   spin()           loops forever with no host calls
;;   fib(n)           naive recursive Fibonacci: no loops at all, only calls
;;   mix(n)           7 + sum over i < n of f[i % 4](i) with f = [double, square, inc, inc], + double(5), + tick
(module
  (import "test:busy/host" "tick" (func $tick (param i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  (table $t 4 funcref)
  (memory (export "memory") 1)
  (global $started (mut i32) (i32.const 0))
  (global $double_ref funcref (ref.func $double))
  (elem (i32.const 0) $double $square)
  (elem (table $t) (i32.const 2) funcref (ref.func $inc) (ref.null func))
  (elem $later func $inc $double)
  (elem declare func $square)

  (func $start (global.set $started (i32.const 7)))
  (start $start)

  (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $unary) (i32.mul (local.get 0) (local.get 0)))
  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))

  (func (export "spin")
    (loop $forever (br $forever)))

  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  (func (export "mix") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (table.init $t $later (i32.const 3) (i32.const 0) (i32.const 1))  ;; slot 3 = $inc
    (table.set $t (i32.const 1) (ref.func $square))  ;; slot 1 = $square again (the last call left $double there)
    (local.set $acc (global.get $started))
    (loop $next
      (local.set $acc
        (i32.add (local.get $acc)
                 (call_indirect (type $unary) (local.get $i) (i32.rem_u (local.get $i) (i32.const 4)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
    (table.set $t (i32.const 1) (global.get $double_ref))  ;; slot 1 = $double
    (local.set $acc (i32.add (local.get $acc) (call_indirect (type $unary) (i32.const 5) (i32.const 1))))
    (call $tick (local.get $acc)))
)
