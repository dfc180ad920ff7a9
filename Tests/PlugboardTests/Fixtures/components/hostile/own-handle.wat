;; An own handle type (of type 0, which is not even a resource).
(component
  (type u32)
  (type (own 0)))
