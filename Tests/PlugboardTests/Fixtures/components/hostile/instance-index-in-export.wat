;; Exports instance 3 of a component that has none.
(component
  (export "i" (instance 3)))
