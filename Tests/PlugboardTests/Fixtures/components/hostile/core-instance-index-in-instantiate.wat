;; Binds a core module's import module to core instance 7, which does not exist.
(component
  (core module $m (import "env" "f" (func)))
  (core instance (instantiate $m (with "env" (instance 7)))))
