import Dispatch
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Stops one plugin's running call at its wall-clock deadline or when the calling task is cancelled.
///
/// WasmKit cannot be interrupted from another thread, but a fuel-metered engine reads the store's fuel before
/// every loop iteration and function entry. So every plugin with a deadline runs on a fuel-metering engine, and
/// to stop it, this object has the instance's ``CallInterrupter`` empty that fuel from the timer's (or the
/// cancelling) thread: the guest traps at its next charge, and the out-of-fuel trap is reported as `timeout` or
/// `cancelled` instead. The write races with the interpreter's own fuel update, which can overwrite it once, so it
/// is repeated every millisecond until the call ends.
package final class CallInterruption: Sendable {
    /// Why a call was stopped.
    package enum Reason: Equatable, Sendable {
        case timeout(limit: Duration, elapsed: Duration)
        case cancelled
    }

    /// How often the interrupt is written again while the stopped call has not ended yet.
    package static let retryInterval = Duration.milliseconds(1)

    private struct Call {
        var id: UInt64
        var started: CallInstant
        var reason: Reason?
        /// When the call must end (`nil`: no deadline), and the limit a stop then reports.
        var deadline: CallInstant?
        var limit: Duration
    }

    private struct State {
        var call: Call?
        /// The deadline timer armed in the ``DeadlineScheduler``: its token (what its action checks), its scheduler id
        /// and when it fires. It outlives the call that armed it: see ``begin(deadline:limit:since:)``.
        var timer: (token: UInt64, id: UInt64, at: CallInstant)?
    }

    /// Stops the instance's running guest code (`nil`: its engine cannot be stopped, so calls get no deadline timer).
    /// One per instance, held here rather than in each call's record: copying an existential per call went through
    /// runtime metadata.
    private let interrupter: (any CallInterrupter)?
    private let current = Mutex(State())
    private let nextID = Atomic<UInt64>(1)
    /// Set when the current call is stopped, for host work to notice (one relaxed load per check).
    private let stopRequested = Atomic<Bool>(false)

    /// An interruption for an instance whose store `interrupter` stops.
    package init(interrupter: (any CallInterrupter)?) {
        self.interrupter = interrupter
    }

    /// Thrown by host work that noticed its call was stopped; ``failure(_:stoppedBecause:stoppedAfter:)`` reports the
    /// reason (deadline or cancellation) instead.
    package struct Stopped: Error {}

    /// Throws ``Stopped`` when the running call was stopped: host functions doing long or repeated work (filling a
    /// random buffer, copying output, lifting large arguments) call this between steps, so a deadline that passes
    /// while the host works ends the call within one step, not after all of it.
    package func checkNotStopped() throws {
        if stopRequested.load(ordering: .relaxed) { throw Stopped() }
    }

    /// Starts a call that must end within `timeout` from now (`nil`: no deadline, cancellation only); returns its id
    /// for ``cancel(call:)`` and ``end(call:)``.
    package func begin(timeout: Duration?) -> UInt64 {
        let now = CallInstant.now
        return begin(deadline: timeout.map { now.advanced(by: $0) }, limit: timeout, since: now)
    }

    /// Starts a call that must end by `deadline` (`nil`: no deadline, cancellation only); a stop at the deadline is
    /// reported as exceeding `limit`, after the time since `since` (when the call arrived, which may be before it got
    /// an instance). Returns the call's id for ``cancel(call:)`` and ``end(call:)``.
    ///
    /// The deadline timer is not scheduled and cancelled per call (a heap entry, a closure and two locks each time,
    /// for calls that mostly end in microseconds). One timer stays armed at or before the running call's deadline:
    /// a call whose deadline is later than the armed timer leaves it as it is, and when the timer fires it stops the
    /// call then running if that call's deadline has passed, arms itself again for a later one, or, with no call
    /// running, ends. So a steady stream of calls with a 30 s limit arms a timer about once every 30 s.
    package func begin(deadline: CallInstant?, limit: Duration?, since started: CallInstant) -> UInt64 {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        stopRequested.store(false, ordering: .relaxed)
        current.withLock { state in
            state.call = Call(
                id: id, started: started, reason: nil, deadline: interrupter == nil ? nil : deadline,
                limit: limit ?? deadline.map { started.duration(to: $0) } ?? .zero)
            if let deadline, interrupter != nil, (state.timer?.at).map({ $0 > deadline }) ?? true { arm(at: deadline, &state) }
        }
        return id
    }

    /// Stops call `id` because its task was cancelled (does nothing once it ended).
    package func cancel(call id: UInt64) {
        interrupt(call: id, because: .cancelled)
    }

    /// Ends call `id`; returns why it was stopped, if it was. The deadline timer stays armed for the next call.
    @discardableResult
    package func end(call id: UInt64) -> Reason? {
        current.withLock { state -> Reason? in
            guard state.call?.id == id else { return nil }
            let reason = state.call?.reason
            state.call = nil
            return reason
        }
    }

    /// Cancels the armed deadline timer: for an instance that makes no more calls (it is being released).
    package func disarm() {
        let armed = current.withLock { state -> UInt64? in
            defer { state.timer = nil }
            return state.timer?.id
        }
        if let armed { DeadlineScheduler.shared.cancel(armed) }
    }

    /// Arms the deadline timer for `deadline`, replacing a later one (called with the lock held: the scheduler's
    /// lock is only ever taken inside this one, and the scheduler runs actions outside its own).
    private func arm(at deadline: CallInstant, _ state: inout State) {
        if let replaced = state.timer { DeadlineScheduler.shared.cancel(replaced.id) }
        let token = nextID.add(1, ordering: .relaxed).oldValue
        let id = DeadlineScheduler.shared.schedule(at: deadline.instant) { [self] in deadlineTimerFired(token: token) }
        state.timer = (token, id, deadline)
    }

    private func deadlineTimerFired(token: UInt64) {
        let due = current.withLock { state -> (id: UInt64, reason: Reason)? in
            guard let timer = state.timer, timer.token == token else { return nil }  // replaced or disarmed since
            state.timer = nil
            guard let call = state.call, let deadline = call.deadline else { return nil }  // no call with a deadline: stays disarmed
            let now = CallInstant.now
            guard deadline <= now else {
                arm(at: deadline, &state)
                return nil
            }
            return (call.id, .timeout(limit: call.limit, elapsed: now - call.started))
        }
        if let due { interrupt(call: due.id, because: due.reason) }
    }

    /// The error to report for a call that failed with `failure`: `timeout` or `cancelled` when this object
    /// stopped it (the engine saw only its fuel run out).
    ///
    /// - Parameter stoppedAfter: How long the call ran until the guest actually stopped (measured on its thread when
    ///   it ended); a timeout reports it, else the time at which the deadline fired.
    package static func failure(_ failure: PlugboardError, stoppedBecause reason: Reason?, stoppedAfter: Duration? = nil) -> PlugboardError {
        switch reason {
        case nil: failure
        case .timeout(let limit, let elapsed)?: .timeout(limit: limit, elapsed: max(stoppedAfter ?? elapsed, elapsed))
        case .cancelled?: .callCancelled()
        }
    }

    private func interrupt(call id: UInt64, because reason: Reason) {
        let stillRunning = current.withLock { state -> Bool in
            guard var running = state.call, running.id == id, let interrupter else { return false }
            if running.reason == nil { running.reason = reason }
            stopRequested.store(true, ordering: .relaxed)
            interrupter.interrupt()
            state.call = running
            return true
        }
        guard stillRunning else { return }
        _ = DeadlineScheduler.shared.schedule(after: Self.retryInterval) { [self] in
            interrupt(call: id, because: reason)
        }
    }
}
