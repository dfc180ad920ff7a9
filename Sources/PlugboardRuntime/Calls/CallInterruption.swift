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
        var started: ContinuousClock.Instant
        var interrupter: (any CallInterrupter)?
        var reason: Reason?
        /// The deadline's entry in the ``DeadlineScheduler``.
        var deadlineTimer: UInt64?
    }

    private let current = Mutex<Call?>(nil)
    private let nextID = Atomic<UInt64>(1)
    /// Set when the current call is stopped, for host work to notice (one relaxed load per check).
    private let stopRequested = Atomic<Bool>(false)

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
    package func begin(timeout: Duration?, interrupter: (any CallInterrupter)?) -> UInt64 {
        let now = ContinuousClock.now
        return begin(deadline: timeout.map { now.advanced(by: $0) }, limit: timeout, since: now, interrupter: interrupter)
    }

    /// Starts a call that must end by `deadline` (`nil`: no deadline, cancellation only); a stop at the deadline is
    /// reported as exceeding `limit`, after the time since `since` (when the call arrived, which may be before it got
    /// an instance). Returns the call's id for ``cancel(call:)`` and ``end(call:)``.
    package func begin(deadline: ContinuousClock.Instant?, limit: Duration?, since started: ContinuousClock.Instant, interrupter: (any CallInterrupter)?) -> UInt64 {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        stopRequested.store(false, ordering: .relaxed)
        // The call is current before its deadline is scheduled: a deadline firing at once must find it.
        current.withLock { $0 = Call(id: id, started: started, interrupter: interrupter, reason: nil, deadlineTimer: nil) }
        if let deadline, interrupter != nil {
            let limit = limit ?? started.duration(to: deadline)
            let timer = DeadlineScheduler.shared.schedule(at: deadline) { [self] in
                interrupt(call: id, because: .timeout(limit: limit, elapsed: ContinuousClock.now - started))
            }
            let ended = current.withLock { call -> Bool in
                guard call?.id == id else { return true }
                call?.deadlineTimer = timer
                return false
            }
            if ended { DeadlineScheduler.shared.cancel(timer) }
        }
        return id
    }

    /// Stops call `id` because its task was cancelled (does nothing once it ended).
    package func cancel(call id: UInt64) {
        interrupt(call: id, because: .cancelled)
    }

    /// Ends call `id`; returns why it was stopped, if it was.
    @discardableResult
    package func end(call id: UInt64) -> Reason? {
        current.withLock { call -> Reason? in
            guard let ended = call, ended.id == id else { return nil }
            if let timer = ended.deadlineTimer { DeadlineScheduler.shared.cancel(timer) }
            call = nil
            return ended.reason
        }
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
        let stillRunning = current.withLock { call -> Bool in
            guard var running = call, running.id == id, let interrupter = running.interrupter else { return false }
            if running.reason == nil { running.reason = reason }
            stopRequested.store(true, ordering: .relaxed)
            interrupter.interrupt()
            call = running
            return true
        }
        guard stillRunning else { return }
        _ = DeadlineScheduler.shared.schedule(after: Self.retryInterval) { [self] in
            interrupt(call: id, because: reason)
        }
    }
}
