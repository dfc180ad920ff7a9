import CWasmtime
import Foundation
import PlugboardABI

/// Turning what Wasmtime reports (a `wasm_trap_t` with its trap code, or a `wasmtime_error_t`) into the typed errors
/// WasmKit's traps become: by trap code, never by parsing text.
enum WasmtimeErrors {
    /// Wasmtime 50's trap codes (`wasmtime/trap.h`).
    enum TrapCode: UInt8 {
        case stackOverflow = 0
        case memoryOutOfBounds = 1
        case heapMisaligned = 2
        case tableOutOfBounds = 3
        case indirectCallToNull = 4
        case badSignature = 5
        case integerOverflow = 6
        case integerDivisionByZero = 7
        case badConversionToInteger = 8
        case unreachableCodeReached = 9
        case interrupt = 10
        case outOfFuel = 11
    }

    /// The text of an error, which is deleted.
    static func message(of error: OpaquePointer, api: pb_wasmtime_api) -> String {
        var bytes = wasm_byte_vec_t()
        api.wasmtime_error_message(error, &bytes)
        defer {
            api.wasm_byte_vec_delete(&bytes)
            api.wasmtime_error_delete(error)
        }
        return text(bytes)
    }

    /// The typed error for a trap, which is deleted.
    static func failure(ofTrap trap: OpaquePointer, api: pb_wasmtime_api, limits: InstanceLimits) -> PlugboardError {
        var code: wasmtime_trap_code_t = 0
        let hasCode = api.wasmtime_trap_code(trap, &code)
        var bytes = wasm_byte_vec_t()
        api.wasm_trap_message(trap, &bytes)
        let message = text(bytes)
        api.wasm_byte_vec_delete(&bytes)
        let backtrace = functionNames(of: trap, api: api)
        api.wasm_trap_delete(trap)
        let stack = "the \(WasmtimeEngines.Key(limits).stackBytes / 1024) KiB Wasm stack"
        let kind: GuestTrap
        switch hasCode ? TrapCode(rawValue: code) : nil {
        case .stackOverflow?: kind = .stackExhausted
        case .memoryOutOfBounds?: kind = .outOfBoundsMemory
        case .unreachableCodeReached?: kind = .unreachable
        case .outOfFuel?: kind = .outOfFuel
        case .interrupt?: kind = .other("interrupted")
        case .heapMisaligned?: kind = .other("misaligned memory access")
        case .tableOutOfBounds?: kind = .other("table index out of bounds")
        case .indirectCallToNull?: kind = .other("call to an uninitialized table element")
        case .badSignature?: kind = .other("indirect call type mismatch")
        case .integerOverflow?: kind = .other("integer overflow")
        case .integerDivisionByZero?: kind = .other("integer divide by zero")
        case .badConversionToInteger?: kind = .other("invalid conversion to integer")
        case nil: kind = .other(hasCode ? "wasm trap code \(code)" : reason(in: message))
        }
        return .guestTrap(kind, stack: stack, fuelBudget: limits.fuelPerCall, backtrace: backtrace)
    }

    /// The guest functions on the trap's stack, innermost first (at most 32; unnamed ones by index, as WasmKit
    /// names them).
    private static func functionNames(of trap: OpaquePointer, api: pb_wasmtime_api) -> [String] {
        var frames = wasm_frame_vec_t()
        api.wasm_trap_trace(trap, &frames)
        defer { api.wasm_frame_vec_delete(&frames) }
        guard let data = frames.data else { return [] }
        return (0..<min(frames.size, 32)).compactMap { index in
            guard let frame = data[index] else { return nil }
            if let name = api.wasmtime_frame_func_name(frame) { return text(name.pointee) }
            return "wasm function[\(api.wasm_frame_func_index(frame))]"
        }
    }

    /// The typed error for an error Wasmtime returned from instantiation or a call (not a guest trap), which is
    /// deleted.
    static func failure(ofError error: OpaquePointer, api: pb_wasmtime_api) -> PlugboardError {
        let text = firstLine(message(of: error, api: api))
        if text.contains("incompatible import type") || text.contains("unknown import") || text.contains("expected") && text.contains("imports") {
            return PlugboardError(.unknownImport, "Wasmtime refused the module's imports: \(text)", hint: "Build the plugin against the host's WIT world")
        }
        if text.contains("exceeds memory limits") || text.contains("resource limit exceeded") || text.contains("table minimum size") {
            return PlugboardError(
                .memoryLimitExceeded, "resource limit exceeded: \(text)",
                hint: PlugboardError.raiseHint("maxMemoryBytes", manifestKey: "max-memory-mb", flag: "--max-memory-mb N")
                    + " (tables: PluginLimits.maxTableElements, `max-table-elements`)")
        }
        return PlugboardError(.trap, "the engine failed: \(text.prefix(500))", hint: "This may be a bug in the plugin or in the engine")
    }

    private static func text(_ bytes: wasm_byte_vec_t) -> String {
        guard let data = bytes.data, bytes.size > 0 else { return "" }
        var text = String(decoding: UnsafeBufferPointer(start: data, count: bytes.size), as: UTF8.self)
        while text.hasSuffix("\0") { text.removeLast() }
        return text
    }

    /// The line of a multi-line trap message that says what happened (Wasmtime puts the backtrace first).
    private static func reason(in message: String) -> String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.last { !$0.hasPrefix("0:") && !$0.contains("wasm backtrace") && $0 != "Caused by:" } ?? "wasm trap"
    }

    private static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first ?? "")
    }
}
