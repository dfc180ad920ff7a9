;; The component's first type is an outer alias (count 0: this component) of type 0, that is, of itself.
(component
  (alias outer 0 0 (type)))
