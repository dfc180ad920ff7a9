/// What stopped guest code, as any engine reports it: one wording per kind, whichever engine ran the plugin.
package enum GuestTrap: Sendable, Hashable {
    /// The guest's call stack ran out (unbounded recursion).
    case stackExhausted
    /// The call used up its fuel budget.
    case outOfFuel
    /// A load or store outside linear memory.
    case outOfBoundsMemory
    /// `unreachable` executed: a panic or abort in the plugin.
    case unreachable
    /// Any other trap, with the engine's words for it.
    case other(String)
}

extension PlugboardError {
    /// The typed error for a guest trap.
    /// - Parameters:
    ///   - stack: How the stack that ran out is described (engines bound it differently).
    ///   - fuelBudget: The call's fuel budget, named when it runs out.
    ///   - backtrace: Guest function names, innermost first, when the engine gives them.
    package static func guestTrap(_ trap: GuestTrap, stack: String, fuelBudget: UInt64?, backtrace: [String] = []) -> PlugboardError {
        let inFunction = backtrace.first.map { " in guest function '\($0)'" } ?? ""
        switch trap {
        case .stackExhausted:
            return PlugboardError(
                .stackOverflow, "stack overflow: the plugin exhausted \(stack)\(inFunction)",
                hint: "Fix unbounded recursion in the plugin, or raise PluginLimits.stackBytes (PluginHost.LoadOptions.limits, `stack-kb` "
                    + "under [limits] in plugin.toml)",
                backtrace: backtrace)
        case .outOfFuel:
            return .fuelExhausted(budget: fuelBudget ?? 0, inFunction: inFunction, backtrace: backtrace)
        case .outOfBoundsMemory:
            return PlugboardError(
                .outOfBoundsMemoryAccess, "out of bounds memory access\(inFunction): the plugin touched memory it does not own",
                hint: "This is a bug in the plugin (a bad pointer or index): report it to the plugin's author; the host and other plugins "
                    + "are unaffected", backtrace: backtrace)
        case .unreachable:
            return PlugboardError(
                .trap, "the plugin trapped: unreachable executed\(inFunction) (a panic or abort in the plugin)",
                hint: "This is a bug in the plugin; its own logs may say why it aborted", backtrace: backtrace)
        case .other(let reason):
            return PlugboardError(.trap, "the plugin trapped: \(reason)\(inFunction)", hint: "This is a bug in the plugin", backtrace: backtrace)
        }
    }
}
