(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "f")))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (alias core export $i "memory" (core memory $mem))
  (type $t (func (param "x" u32) (result u32)))
  (func $lifted (type $t) (canon lift (core func $f)))
  (export "f" (func $lifted)))
