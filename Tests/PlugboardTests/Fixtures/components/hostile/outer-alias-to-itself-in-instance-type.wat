;; An instance type whose first declaration aliases its own type 0 (count 0 inside a type: the type itself), that
;; is, itself.
(component
  (type (instance (alias outer 0 0 (type)))))
