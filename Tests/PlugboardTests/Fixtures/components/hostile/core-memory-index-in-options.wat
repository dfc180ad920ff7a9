;; Names core memory 4 as the memory of a lift, in a component with no core memory.
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (type $t (func))
  (func (type $t) (canon lift (core func $f) (memory 4))))
