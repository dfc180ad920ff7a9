;; A core instance of inline exports exporting core table 3 of a component that has none.
(component
  (core instance (export "t" (table 3))))
