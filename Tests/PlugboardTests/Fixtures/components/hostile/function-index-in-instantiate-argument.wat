;; Passes function 9, which does not exist, as an argument of a nested component's instantiation.
(component
  (component $c (import "f" (func)))
  (instance (instantiate $c (with "f" (func 9)))))
