;; Lowers a function it lifted itself (component composition, which needs a fused adapter).
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (type $t (func))
  (func $lifted (type $t) (canon lift (core func $f)))
  (core func (canon lower (func $lifted))))
