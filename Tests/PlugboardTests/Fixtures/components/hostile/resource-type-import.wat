;; Imports a resource type.
(component
  (import "r" (type (sub resource))))
