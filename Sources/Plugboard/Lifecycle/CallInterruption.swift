import Dispatch
import Synchronization

/// Stops one plugin's running call at its wall-clock deadline or when the calling task is cancelled.
///
/// WasmKit cannot be interrupted from another thread, but a fuel-metered engine reads the store's fuel before
/// every loop iteration and function entry. So every plugin with a deadline runs on a fuel-metering engine, and
/// to stop it, this object has the instance's ``CallInterrupter`` empty that fuel from the timer's (or the
/// cancelling) thread: the guest traps at its next charge, and the out-of-fuel trap is reported as `timeout` or
/// `cancelled` instead. The write races with the interpreter's own fuel update, which can overwrite it once, so it
/// is repeated every millisecond until the call ends.
final class CallInterruption: Sendable {
    /// Why a call was stopped.
    enum Reason: Equatable {
        case timeout(limit: Duration, elapsed: Duration)
        case cancelled
    }

    /// How often the interrupt is written again while the stopped call has not ended yet.
    static let retryInterval = DispatchTimeInterval.milliseconds(1)

    private struct Call {
        var id: UInt64
        var started: ContinuousClock.Instant
        var interrupter: (any CallInterrupter)?
        var reason: Reason?
        var deadlineTimer: DeadlineTimer?
    }

    /// The pending deadline of a call. `@unchecked Sendable`: `DispatchWorkItem` is thread-safe (it may be
    /// cancelled from any thread) but not annotated.
    private final class DeadlineTimer: @unchecked Sendable {
        let item: DispatchWorkItem
        init(_ item: DispatchWorkItem) { self.item = item }
    }

    private let current = Mutex<Call?>(nil)
    private let nextID = Atomic<UInt64>(1)

    /// Starts a call that must end within `timeout` (`nil`: no deadline, cancellation only); returns its id for
    /// ``cancel(call:)`` and ``end(call:)``.
    func begin(timeout: Duration?, interrupter: (any CallInterrupter)?) -> UInt64 {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let started = ContinuousClock.now
        var timer: DeadlineTimer?
        if let timeout, interrupter != nil {
            timer = DeadlineTimer(DispatchWorkItem { [self] in
                interrupt(call: id, because: .timeout(limit: timeout, elapsed: ContinuousClock.now - started))
            })
        }
        // The call is current before its timer is scheduled: a timer firing at once must find it.
        current.withLock { $0 = Call(id: id, started: started, interrupter: interrupter, reason: nil, deadlineTimer: timer) }
        if let timeout, let timer {
            DispatchQueue.global(qos: .userInitiated).asyncAfter(deadline: .now() + Self.dispatchInterval(timeout), execute: timer.item)
        }
        return id
    }

    /// Stops call `id` because its task was cancelled (does nothing once it ended).
    func cancel(call id: UInt64) {
        interrupt(call: id, because: .cancelled)
    }

    /// Ends call `id`; returns why it was stopped, if it was.
    @discardableResult
    func end(call id: UInt64) -> Reason? {
        current.withLock { call -> Reason? in
            guard let ended = call, ended.id == id else { return nil }
            ended.deadlineTimer?.item.cancel()
            call = nil
            return ended.reason
        }
    }

    /// The error to report for a call that failed with `failure`: `timeout` or `cancelled` when this object
    /// stopped it (the engine saw only its fuel run out).
    static func failure(_ failure: PlugboardError, stoppedBecause reason: Reason?) -> PlugboardError {
        switch reason {
        case nil: failure
        case .timeout(let limit, let elapsed)?: .timeout(limit: limit, elapsed: elapsed)
        case .cancelled?: .callCancelled()
        }
    }

    private func interrupt(call id: UInt64, because reason: Reason) {
        let stillRunning = current.withLock { call -> Bool in
            guard var running = call, running.id == id, let interrupter = running.interrupter else { return false }
            if running.reason == nil { running.reason = reason }
            interrupter.interrupt()
            call = running
            return true
        }
        guard stillRunning else { return }
        DispatchQueue.global(qos: .userInitiated).asyncAfter(deadline: .now() + Self.retryInterval) { [self] in
            interrupt(call: id, because: reason)
        }
    }

    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow, nanoseconds.partialValue < Int64(Int.max / 2) else { return .never }
        return .nanoseconds(Int(max(0, nanoseconds.partialValue + attoseconds / 1_000_000_000)))
    }
}
