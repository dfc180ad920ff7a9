;; Names core function 6 as the realloc of a lift, in a component with one core function.
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (type $t (func))
  (func (type $t) (canon lift (core func $f) (realloc 6))))
