import PlugboardABI
import WasmKit

/// Turning what WasmKit throws into a ``PlugboardError`` that names the fault and what to do.
///
/// WasmKit 0.4.2 keeps a trap's reason `package`-private (`Trap.reason`, `TrapReason`), so the reason is read from
/// the first line of its description (`Trap: <reason>`, then one line per guest frame). Every reason text this
/// relies on is pinned by a test (`TrapClassificationTests`), so an upgrade that rewords one fails there, loudly,
/// instead of turning a limit into a generic trap.
extension PlugboardError {
    /// The reasons WasmKit 0.4.2 gives, as the first line of a trap's description says them.
    package enum WasmKitTrapReason {
        static let stackExhausted = "call stack exhausted"
        static let outOfFuel = "out of fuel"
        static let outOfBoundsMemory = "out of bounds memory access"
        static let unreachable = "unreachable"
        static let initialMemory = "initial memory size exceeds the resource limit"
        static let initialTable = "initial table size exceeds the resource limit"
    }

    /// Maps an error thrown by WasmKit while instantiating or running guest code.
    /// - Parameters:
    ///   - stackSize: The store's interpreter stack, named in a stack overflow.
    ///   - fuelBudget: The call's fuel budget, named when it runs out.
    package static func fromWasmKit(_ error: any Error, stackSize: Int, fuelBudget: UInt64?) -> PlugboardError {
        if let error = error as? PlugboardError { return error }
        let text = "\(error)"
        guard text.hasPrefix("Trap: ") else {
            if text.contains("unknown import") || text.contains("incompatible import") {
                return PlugboardError(.unknownImport, text, hint: "Build the plugin against the host's WIT world")
            }
            if error is WasmKitError {
                // Validation of a function body (eager compilation) and link errors.
                return .invalidModule(detail: String(text.prefix(500)))
            }
            return PlugboardError(.trap, "the engine failed: \(text.prefix(500))", hint: "This may be a bug in the plugin or in the engine")
        }
        // Only the first lines are read: a stack overflow's description lists thousands of frames.
        let lines = text.prefix(64 * 1024).split(separator: "\n", maxSplits: 33, omittingEmptySubsequences: true)
        let reason = String(lines[0].dropFirst("Trap: ".count))
        let frames = lines.dropFirst().prefix(32).compactMap { line -> String? in
            guard let close = line.firstIndex(of: ")") else { return nil }
            return line[line.index(after: close)...].trimmingCharacters(in: " ")
        }
        let backtrace = Array(frames)
        let stack = "the \(stackSize / 1024) KiB interpreter stack (about \(stackSize / 64) nested calls)"
        switch reason {
        case WasmKitTrapReason.stackExhausted: return .guestTrap(.stackExhausted, stack: stack, fuelBudget: fuelBudget, backtrace: backtrace)
        case WasmKitTrapReason.outOfFuel: return .guestTrap(.outOfFuel, stack: stack, fuelBudget: fuelBudget, backtrace: backtrace)
        case WasmKitTrapReason.outOfBoundsMemory: return .guestTrap(.outOfBoundsMemory, stack: stack, fuelBudget: fuelBudget, backtrace: backtrace)
        case WasmKitTrapReason.unreachable: return .guestTrap(.unreachable, stack: stack, fuelBudget: fuelBudget, backtrace: backtrace)
        case let reason where reason.hasPrefix(WasmKitTrapReason.initialMemory), let reason where reason.hasPrefix(WasmKitTrapReason.initialTable):
            return PlugboardError(
                .memoryLimitExceeded, "resource limit exceeded: \(reason)",
                hint: raiseHint("maxMemoryBytes", manifestKey: "max-memory-mb", flag: "--max-memory-mb N")
                    + " (tables: PluginLimits.maxTableElements, `max-table-elements`)")
        default:
            return .guestTrap(.other(reason), stack: stack, fuelBudget: fuelBudget, backtrace: backtrace)
        }
    }
}

extension Substring {
    package func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
