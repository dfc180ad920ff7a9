;; Instantiates core module 3 of a component that has one.
(component
  (core module $m (func (export "f")))
  (core instance (instantiate 3)))
