;; Imports a function of type 5 of a component that has no types.
(component
  (import "f" (func (type 5))))
