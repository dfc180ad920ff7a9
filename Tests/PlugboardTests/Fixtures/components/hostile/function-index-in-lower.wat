;; Lowers function 6 of a component that has none.
(component
  (core func (canon lower (func 6))))
