import Synchronization

/// The host side of interruption for one plugin: the running call's wall-clock deadline and its task's
/// cancellation, checked by the `check` function every instrumented module imports (see ``InterruptionInstrumenter``).
///
/// `check` runs when the guest has used up its budget. It throws `timeout` once the deadline has passed and
/// `cancelled` once the calling task is cancelled; otherwise it hands out a new budget sized so that the next
/// check comes about every ``checkInterval`` (the budget adapts to how fast this guest burns it), and never later
/// than the deadline.
final class CallInterruption: Sendable {
    /// How often a running guest should reach `check`: the bound on how late a deadline or cancellation is noticed.
    static let checkInterval = Duration.microseconds(500)
    static let minimumBudget: Int32 = 100
    static let maximumBudget: Int32 = 4_000_000

    private struct State {
        var timeout: Duration?
        var deadline: ContinuousClock.Instant?
        var started = ContinuousClock.now
        var lastCheck = ContinuousClock.now
        var budget = InterruptionInstrumenter.initialBudget
    }

    private let state = Mutex(State())

    /// Starts a call that must end within `timeout` (`nil`: no deadline, cancellation only).
    func begin(timeout: Duration?) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.timeout = timeout
            state.deadline = timeout.map { now + $0 }
            state.started = now
            state.lastCheck = now
        }
    }

    /// Ends the call: a guest running outside a call (none should) is not held to its deadline.
    func end() {
        state.withLock { $0.deadline = nil }
    }

    /// The `check` import, bound for this plugin.
    var hostFunction: CoreHostFunction {
        CoreHostFunction(
            module: InterruptionInstrumenter.moduleName, name: InterruptionInstrumenter.functionName,
            signature: CoreSignature(parameters: [], results: [.i32])
        ) { [self] _, _ in
            [.i32(UInt32(bitPattern: try check()))]
        }
    }

    /// A new budget, or the error that ends the call.
    func check() throws -> Int32 {
        if Task.isCancelled { throw PlugboardError.callCancelled() }
        let now = ContinuousClock.now
        return try state.withLock { state throws -> Int32 in
            if let deadline = state.deadline, let timeout = state.timeout, now >= deadline {
                throw PlugboardError.timeout(limit: timeout, elapsed: now - state.started)
            }
            // Units per second the guest burned since the last check, then enough for one interval (or up to the deadline).
            let elapsed = max(now - state.lastCheck, .microseconds(1))
            var target = Self.checkInterval
            if let deadline = state.deadline { target = min(target, max(deadline - now, .microseconds(50))) }
            let scaled = Double(state.budget) * (target / elapsed)
            state.budget = Int32(min(max(scaled, Double(Self.minimumBudget)), Double(Self.maximumBudget)))
            state.lastCheck = now
            return state.budget
        }
    }
}
