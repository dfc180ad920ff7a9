;; Aliases an export of core instance 5 of a component that has one.
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (alias core export 5 "f" (core func)))
