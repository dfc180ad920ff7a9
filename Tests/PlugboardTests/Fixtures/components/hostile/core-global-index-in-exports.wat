;; A core instance of inline exports exporting core global 2 of a component that has none.
(component
  (core instance (export "g" (global 2))))
