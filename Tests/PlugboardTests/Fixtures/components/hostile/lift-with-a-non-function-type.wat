;; Lifts a core function with a record type.
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (alias core export $i "f" (core func $f))
  (type $r (record (field "x" u32)))
  (func (type $r) (canon lift (core func $f))))
