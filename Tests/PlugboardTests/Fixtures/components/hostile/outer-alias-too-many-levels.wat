;; An outer alias three components out, from the root component.
(component
  (alias outer 3 0 (type)))
