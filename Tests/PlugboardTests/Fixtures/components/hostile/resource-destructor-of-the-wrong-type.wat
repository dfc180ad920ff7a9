;; A resource the component defines itself, whose destructor takes two parameters instead of the representation: the
;; component is planned and linked, and refused when instantiated.
(component
  (core module $destructors
    (func (export "dtor") (param i32 i32)))
  (core instance $d (instantiate $destructors))
  (alias core export $d "dtor" (core func $dtor))
  (type $thing (resource (rep i32) (dtor $dtor)))
  (core func $new (canon resource.new $thing))
  (core module $maker
    (import "" "new" (func (param i32) (result i32))))
  (core instance $intrinsics (export "new" (func $new)))
  (core instance (instantiate $maker (with "" (instance $intrinsics))))
  ;; The plugin: plugboard:plugin/plugin-api@1.0.0, lifted from the core functions of its main module.
  (core module $main
    (memory (export "memory") 1)
    ;; get-metadata's record at 64: name "hostile" (at 88), version "1.0.0" (at 95), description "" (at 100).
    (data (i32.const 64) "\58\00\00\00\07\00\00\00\5f\00\00\00\05\00\00\00\64\00\00\00\00\00\00\00hostile1.0.0")
    ;; A bump allocator from 1024, for the arguments the host passes.
    (global $next (mut i32) (i32.const 1024))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $at) (local.get 3)))
      (local.get $at))
    (func (export "initialize") (param i32 i32) (result i32) unreachable)
    (func (export "process") (param i32 i32 i32 i32) (result i32) unreachable)
    (func (export "shutdown") (result i32) unreachable)
    (func (export "get-metadata") (result i32) i32.const 64))
  (core instance $m (instantiate $main))
  (alias core export $m "memory" (core memory $memory))
  (alias core export $m "cabi_realloc" (core func $realloc))
  (type $pairs (list (tuple string string)))
  (type $unit-result (result (error string)))
  (type $request (record (field "input" string) (field "options" $pairs)))
  (type $response (record (field "output" string) (field "success" bool) (field "error-message" (option string))))
  (type $metadata (record (field "name" string) (field "version" string) (field "description" string)))
  (func $initialize (param "config" $pairs) (result $unit-result)
    (canon lift (core func $m "initialize") (memory $memory) (realloc $realloc)))
  (func $process (param "req" $request) (result $response)
    (canon lift (core func $m "process") (memory $memory) (realloc $realloc)))
  (func $shutdown (result $unit-result) (canon lift (core func $m "shutdown") (memory $memory)))
  (func $get-metadata (result $metadata) (canon lift (core func $m "get-metadata") (memory $memory)))
  (instance $api
    (export "process-request" (type $request))
    (export "process-response" (type $response))
    (export "plugin-metadata" (type $metadata))
    (export "initialize" (func $initialize))
    (export "process" (func $process))
    (export "shutdown" (func $shutdown))
    (export "get-metadata" (func $get-metadata)))
  (export "plugboard:plugin/plugin-api@1.0.0" (instance $api)))
