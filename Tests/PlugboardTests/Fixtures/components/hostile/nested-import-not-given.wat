;; Instantiates a nested component without the function it imports.
(component
  (component $c (import "f" (func)))
  (instance (instantiate $c)))
