;; canon resource.new of a resource type the component imports: only the component defining a resource can make one.
(component
  (import "thing" (type $thing (sub resource)))
  (core func (canon resource.new $thing)))
