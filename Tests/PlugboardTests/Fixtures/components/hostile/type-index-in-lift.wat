;; Lifts a core function with type 8 of a component that has one type.
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (type (func))
  (func (type 8) (canon lift (core func $f))))
