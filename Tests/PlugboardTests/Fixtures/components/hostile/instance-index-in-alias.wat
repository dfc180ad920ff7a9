;; Aliases an export of instance 4 of a component that has none.
(component
  (alias export 4 "f" (func)))
