;; canon resource.rep (of type 0, which is not even a resource).
(component
  (type u32)
  (core func (canon resource.rep 0)))
