;; Exports function 7 of a component that has none.
(component
  (export "f" (func 7)))
