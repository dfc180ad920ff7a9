import Plugboard

/// Generates a WAT plugin for a world that imports and exports the same interface: each export forwards its
/// core arguments unchanged to the import of the same name and returns what comes back.
///
/// With a host that implements the import as the identity, a call lowers the value into the guest, the guest
/// hands it back to the host (lifted from flat values or spilled memory), the host stores it into the guest's
/// result area, and the host lifts it from there: every direction of the canonical ABI in one round trip.
public enum EchoGuest {
    /// The WAT text of the forwarding guest for an interface the world both imports and exports.
    public static func wat(for interface: WITInterface) -> String {
        var lines = ["(module"]
        for (index, function) in interface.functions.enumerated() {
            let signature = function.coreImportSignature
            lines.append(
                "  (import \"\(interface.qualifiedName)\" \"\(function.name)\" (func $import\(index)\(params(signature.parameters))\(results(signature.results))))")
        }
        lines.append("""
              (memory (export "memory") 1)
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
                    (drop (memory.grow (i32.const 1)))
                    (br $grow)))
                (local.get $pointer))
              (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
                (call $alloc (local.get 2) (local.get 3)))
            """)
        for (index, function) in interface.functions.enumerated() {
            let exported = function.coreExportSignature
            var body: [String] = (0..<exported.parameters.count).map { "(local.get \($0))" }
            var locals = ""
            var tail = ""
            if let area = function.resultArea {
                locals = " (local $ret i32)"
                body.append("(local.tee $ret (call $alloc (i32.const \(area.alignment)) (i32.const \(area.size))))")
                tail = " (local.get $ret)"
            }
            let name = interface.coreExportName(of: function.name)
            let call = function.resultArea == nil ? "(call $import\(index) \(body.joined(separator: " ")))" : "(call $import\(index) \(body.joined(separator: " ")))\(tail)"
            lines.append("  (func (export \"\(name)\")\(params(exported.parameters))\(results(exported.results))\(locals) \(call))")
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }

    /// Identity host functions for every function of the interface (a tuple result echoes all parameters).
    public static func hostFunctions(for interface: WITInterface) -> [HostFunction] {
        interface.functions.map { function in
            HostFunction(module: interface.qualifiedName, function: function) { _, arguments in
                function.parameters.count == 1 ? arguments : [.tuple(arguments)]
            }
        }
    }

    private static func params(_ types: [CoreType]) -> String {
        types.isEmpty ? "" : " (param \(types.map(\.description).joined(separator: " ")))"
    }

    private static func results(_ types: [CoreType]) -> String {
        types.isEmpty ? "" : " (result \(types.map(\.description).joined(separator: " ")))"
    }
}
