;; Instantiates a core module that imports env.f without binding any instance named env.
(component
  (core module $m (import "env" "f" (func)))
  (core instance (instantiate $m)))
