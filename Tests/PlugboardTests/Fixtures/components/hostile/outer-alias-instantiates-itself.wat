;; A nested component that takes the enclosing component's component 0, which is itself, through an outer alias
;; and instantiates it: a cycle a validator refuses (an outer alias may only name what was defined before it). When
;; the planner resolved outer aliases against the instantiating component instead, these 101 bytes recursed until the
;; host's stack overflowed.
(component
  (component $self
    (alias outer 1 0 (component $outer-0))
    (instance (instantiate $outer-0)))
  (instance (instantiate $self)))
