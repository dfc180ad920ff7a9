;; Exports a function it imports, as if it had lifted it.
(component
  (import "f" (func $f))
  (export "g" (func $f)))
