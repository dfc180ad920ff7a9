import Plugboard

/// Generates small default-world plugins (`plugboard:plugin/plugin-world@1.0.0`) in WAT that report a given
/// version and answer `process` a given way, for registry, reload and canary tests.
public enum VersionedGuest {
    /// How `process` answers.
    public enum Behavior: Sendable {
        /// `"<version>:<input>"` with `success: true`.
        case echo
        /// `success: false` with the error message `"rejected by <version>"`.
        case reject
        /// Traps (`unreachable`).
        case trap
        /// Counts down from `iterations` in a loop, then echoes: a call that keeps its instance busy.
        case spin(iterations: Int)
        /// Calls `get-config("gate")` until it answers a value, then echoes: a call that keeps its instance busy
        /// until the host (a ``GatedHostAPI``) lets it go, however loaded the machine.
        case waitForGate
    }

    /// The plugin's WAT text.
    public static func wat(name: String = "versioned", version: String, behavior: Behavior = .echo) -> String {
        let prefix = "\(version):"
        let rejection = "rejected by \(version)"
        let api = "plugboard:plugin/plugin-api@1.0.0"
        let processBody: String
        switch behavior {
        case .echo:
            processBody = "(call $echo (local.get 0) (local.get 1))"
        case .reject:
            processBody = """
                (i32.store (i32.const 512) (i32.const 0)) (i32.store (i32.const 516) (i32.const 0))
                    (i32.store8 (i32.const 520) (i32.const 0))
                    (i32.store8 (i32.const 524) (i32.const 1)) (i32.store (i32.const 528) (i32.const 256))
                    (i32.store (i32.const 532) (i32.const \(rejection.utf8.count)))
                    (i32.const 512)
                """
        case .trap:
            processBody = "(unreachable)"
        case .spin(let iterations):
            processBody = """
                (local.set 4 (i32.const \(iterations)))
                    (block $done (loop $spin
                      (br_if $done (i32.eqz (local.get 4)))
                      (local.set 4 (i32.sub (local.get 4) (i32.const 1)))
                      (br $spin)))
                    (call $echo (local.get 0) (local.get 1))
                """
        case .waitForGate:
            processBody = """
                (block $open (loop $wait
                      (call $get_config (i32.const 320) (i32.const 4) (i32.const 400))
                      (br_if $open (i32.load8_u (i32.const 400)))
                      (br $wait)))
                    (call $echo (local.get 0) (local.get 1))
                """
        }
        var gateImport = ""
        if case .waitForGate = behavior {
            gateImport = #"(import "plugboard:plugin/host-api@1.0.0" "get-config" (func $get_config (param i32 i32 i32)))"#
        }
        return """
            (module
              \(gateImport)
              (memory (export "memory") 1)
              ;; 0: name, 64: version, 128: description, 192: "<version>:", 256: rejection text, 320: "gate",
              ;; 400: get-config's result, 448: ok result, 480: metadata record, 512: process response, 1024: heap
              (data (i32.const 0) "\(escape(name))")
              (data (i32.const 64) "\(escape(version))")
              (data (i32.const 128) "test plugin")
              (data (i32.const 192) "\(escape(prefix))")
              (data (i32.const 256) "\(escape(rejection))")
              (data (i32.const 320) "gate")
              (global $heap (mut i32) (i32.const 1024))
              (func $alloc (param $align i32) (param $size i32) (result i32)
                (local $pointer i32)
                (local.set $pointer
                  (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
                (global.set $heap (i32.add (local.get $pointer) (local.get $size)))
                (block $done
                  (loop $grow
                    (br_if $done (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
                    (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then (unreachable)))
                    (br $grow)))
                (local.get $pointer))
              (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
                (call $alloc (local.get 2) (local.get 3)))
              ;; "<version>:" + input, as the response at 512
              (func $echo (param $input i32) (param $length i32) (result i32)
                (local $out i32)
                (local.set $out (call $alloc (i32.const 1) (i32.add (local.get $length) (i32.const \(prefix.utf8.count)))))
                (memory.copy (local.get $out) (i32.const 192) (i32.const \(prefix.utf8.count)))
                (memory.copy (i32.add (local.get $out) (i32.const \(prefix.utf8.count))) (local.get $input) (local.get $length))
                (i32.store (i32.const 512) (local.get $out))
                (i32.store (i32.const 516) (i32.add (local.get $length) (i32.const \(prefix.utf8.count))))
                (i32.store8 (i32.const 520) (i32.const 1))
                (i32.store8 (i32.const 524) (i32.const 0))
                (i32.const 512))
              (func (export "\(api)#initialize") (param i32 i32) (result i32)
                (i32.store8 (i32.const 448) (i32.const 0)) (i32.const 448))
              (func (export "\(api)#process") (param i32 i32 i32 i32) (result i32) (local i32)
                \(processBody))
              ;; Everything a call allocated is garbage once the host has read the response.
              (func (export "cabi_post_\(api)#process") (param i32)
                (global.set $heap (i32.const 1024)))
              (func (export "\(api)#shutdown") (result i32)
                (i32.store8 (i32.const 448) (i32.const 0)) (i32.const 448))
              (func (export "\(api)#get-metadata") (result i32)
                (i32.store (i32.const 480) (i32.const 0)) (i32.store (i32.const 484) (i32.const \(name.utf8.count)))
                (i32.store (i32.const 488) (i32.const 64)) (i32.store (i32.const 492) (i32.const \(version.utf8.count)))
                (i32.store (i32.const 496) (i32.const 128)) (i32.store (i32.const 500) (i32.const 11))
                (i32.const 480)))
            """
    }

    /// Iterations of `.spin` that take about as long on the engine the tests run on (``PluginEngine/processDefault``)
    /// as `wasmKitIterations` take on WasmKit: Wasmtime's JIT runs the loop about 100 times faster.
    public static func spinIterations(lastingLike wasmKitIterations: Int) -> Int {
        PluginEngine.processDefault == .wasmtime ? wasmKitIterations * 100 : wasmKitIterations
    }

    /// The plugin assembled to a binary module.
    public static func bytes(name: String = "versioned", version: String, behavior: Behavior = .echo) -> [UInt8] {
        Array(wat(name: name, version: version, behavior: behavior).utf8)
    }

    private static func escape(_ text: String) -> String {
        text.utf8.map { byte in
            (0x20..<0x7F).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
                ? String(UnicodeScalar(byte)) : "\\" + String(byte, radix: 16).leftPadded(2)
        }.joined()
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
