;; A component that imports a component and instantiates it with itself as the argument, given itself: a cycle a
;; validator refuses (the argument's type does not match the import's), each instantiation one level deeper.
(component
  (component $again
    (import "c" (component $c))
    (instance (instantiate $c (with "c" (component $c)))))
  (instance (instantiate $again (with "c" (component $again)))))
