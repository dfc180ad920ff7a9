;; Defines a resource type.
(component
  (type $r (resource (rep i32))))
