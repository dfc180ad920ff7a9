import PlugboardABI
/// Turning an engine's trap into a ``PlugboardError`` that names the fault and what to do.
extension PlugboardError {
    /// Maps an error thrown out of guest execution. WasmKit's `Trap` keeps its reason `package`-private, so
    /// the reason and backtrace are read from its description (`Trap: <reason>` then one line per frame).
    /// - Parameters:
    ///   - stackSize: The plugin's interpreter stack, named in a stack overflow.
    ///   - fuelBudget: The call's fuel budget, named when it runs out.
    package static func fromEngine(_ error: any Error, stackSize: Int? = nil, fuelBudget: UInt64? = nil) -> PlugboardError {
        if let error = error as? PlugboardError { return error }
        let text = "\(error)"
        guard text.hasPrefix("Trap: ") else {
            if text.contains("unknown import") || text.contains("incompatible import") {
                return PlugboardError(.unknownImport, text, hint: "Build the plugin against the host's WIT world")
            }
            return PlugboardError(.trap, "the engine failed: \(text.prefix(500))", hint: "This may be a bug in the plugin or in the engine")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let reason = String(lines[0].dropFirst("Trap: ".count))
        let frames = lines.dropFirst().compactMap { line -> String? in
            guard let close = line.firstIndex(of: ")") else { return nil }
            return line[line.index(after: close)...].trimmingCharacters(in: " ")
        }
        let backtrace = Array(frames.prefix(32))
        let inFunction = backtrace.first.map { " in guest function '\($0)'" } ?? ""
        switch reason {
        case "call stack exhausted":
            let limit = stackSize.map { "the \($0 / 1024) KiB interpreter stack (about \($0 / 64) nested calls)" } ?? "the interpreter stack"
            return PlugboardError(
                .stackOverflow, "stack overflow: the plugin exhausted \(limit)\(inFunction)",
                hint: "Fix unbounded recursion in the plugin, or raise PluginLimits.stackBytes (PluginHost.LoadOptions.limits, `stack-kb` "
                    + "under [limits] in plugin.toml; WasmKitEngine.Configuration(stackSize:) is only the default of engine-level instantiation)",
                backtrace: backtrace)
        case "out of fuel":
            return .fuelExhausted(budget: fuelBudget ?? 0, inFunction: inFunction, backtrace: backtrace)
        case "out of bounds memory access":
            return PlugboardError(
                .outOfBoundsMemoryAccess, "out of bounds memory access\(inFunction): the plugin touched memory it does not own",
                hint: "This is a bug in the plugin (a bad pointer or index): report it to the plugin's author; the host and other plugins "
                    + "are unaffected", backtrace: backtrace)
        case "unreachable":
            return PlugboardError(
                .trap, "the plugin trapped: unreachable executed\(inFunction) (a panic or abort in the plugin)",
                hint: "This is a bug in the plugin; its own logs may say why it aborted", backtrace: backtrace)
        default:
            return PlugboardError(.trap, "the plugin trapped: \(reason)\(inFunction)", hint: "This is a bug in the plugin", backtrace: backtrace)
        }
    }
}

extension Substring {
    package func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
