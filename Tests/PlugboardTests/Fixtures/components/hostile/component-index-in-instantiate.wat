;; Instantiates component 2 of a component that nests none.
(component
  (instance (instantiate 2)))
