;; A list whose element type is a function type.
(component
  (type $f (func))
  (type (list $f)))
