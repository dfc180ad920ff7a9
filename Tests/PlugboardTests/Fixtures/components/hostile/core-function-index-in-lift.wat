;; Lifts core function 9 of a component that has none.
(component
  (type $t (func))
  (func (type $t) (canon lift (core func 9))))
