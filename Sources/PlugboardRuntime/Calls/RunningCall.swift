import Synchronization

/// The call a cancellation handler stops: the cancellation can come before the guest starts (on another thread,
/// perhaps while waiting for an instance or the plugin's queue), while it runs, or after it ended.
package final class RunningCall: Sendable {
    private let state = Mutex<(id: UInt64?, cancelled: Bool)>((nil, false))

    package init() {}

    /// Records the started call's ID; returns whether the call was cancelled before it started.
    package func started(_ id: UInt64) -> Bool {
        state.withLock {
            $0.id = id
            return $0.cancelled
        }
    }

    /// Records the cancellation; returns the ID of the call to stop if it has started.
    package func cancel() -> UInt64? {
        state.withLock {
            $0.cancelled = true
            return $0.id
        }
    }
}
