;; One memory, two allocators: the main module's `cabi_realloc` (always 1000) for what the host passes to exports,
;; and an adapter's `realloc` (always 5000) for what the host returns from the lowered import, as the WASI adapter's
;; `cabi_import_realloc` does.
(component
  (import "demo:opts/host@0.1.0" (instance $host (export "name" (func (result string)))))
  (core module $memory-module
    (memory (export "memory") 1))
  (core instance $m (instantiate $memory-module))
  (alias core export $m "memory" (core memory $memory))
  (core module $adapter-module
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 5000)))
  (core instance $adapter (instantiate $adapter-module))
  (alias core export $adapter "realloc" (core func $adapter-realloc))
  (alias export $host "name" (func $name))
  (core func $name-lowered (canon lower (func $name) (memory $memory) (realloc $adapter-realloc)))
  (core module $main-module
    (import "env" "memory" (memory 1))
    (import "host" "name" (func $name (param i32)))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1000))
    (func (export "landing") (result i32)
      (call $name (i32.const 16))
      (i32.load (i32.const 16)))
    (func (export "where") (param i32 i32) (result i32) (local.get 0)))
  (core instance $env (export "memory" (memory $memory)))
  (core instance $host-functions (export "name" (func $name-lowered)))
  (core instance $main (instantiate $main-module (with "env" (instance $env)) (with "host" (instance $host-functions))))
  (alias core export $main "cabi_realloc" (core func $main-realloc))
  (func (export "landing") (result u32) (canon lift (core func $main "landing")))
  (func (export "where") (param "s" string) (result u32)
    (canon lift (core func $main "where") (memory $memory) (realloc $main-realloc))))
