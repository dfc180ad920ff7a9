;; Imports an interface that exports a resource type (as every WASI 0.2 interface with a resource does).
(component
  (import "demo:plug/files@0.1.0" (instance
    (export "descriptor" (type (sub resource))))))
