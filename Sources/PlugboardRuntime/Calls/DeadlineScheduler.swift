import Dispatch
import Foundation
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// One thread that runs short actions at their deadlines, for every plugin call's wall-clock limit.
///
/// Each plugin instance keeps at most one deadline timer here (``CallInterruption`` re-arms it instead of scheduling
/// one per call) and cancels it when the instance is released; a cancelled entry is removed at once, so what the
/// scheduler holds is bounded by the live instances (plus the retries of calls being stopped), whatever the call
/// rate. (Dispatch's
/// `asyncAfter` keeps a cancelled work item until its deadline passes: at thousands of calls a second with 30 s
/// deadlines, that is tens of thousands of items held for nothing.) Actions run on the scheduler's thread and
/// must be quick: ``CallInterruption`` only takes a lock and writes a word.
package final class DeadlineScheduler: Sendable {
    package static let shared = DeadlineScheduler()

    private struct Entry {
        var deadline: ContinuousClock.Instant
        var id: UInt64
    }

    private struct State {
        /// A binary min-heap on `deadline`.
        var heap: [Entry] = []
        /// Where each pending id sits in `heap`, and its action.
        var positions: [UInt64: Int] = [:]
        var actions: [UInt64: @Sendable () -> Void] = [:]
        var nextID: UInt64 = 1
        /// When the thread wakes up next by itself (`nil`: only when signalled). A deadline after that needs no
        /// signal: the thread looks at the heap again then. So a steady stream of calls, each scheduling and
        /// cancelling its deadline, costs no thread wakeup per call.
        var sleepingUntil: ContinuousClock.Instant?

        mutating func insert(_ entry: Entry, action: @escaping @Sendable () -> Void) {
            heap.append(entry)
            positions[entry.id] = heap.count - 1
            actions[entry.id] = action
            siftUp(heap.count - 1)
        }

        mutating func remove(_ id: UInt64) -> (@Sendable () -> Void)? {
            guard let index = positions.removeValue(forKey: id) else { return nil }
            let action = actions.removeValue(forKey: id)
            let last = heap.count - 1
            if index != last {
                heap.swapAt(index, last)
                positions[heap[index].id] = index
            }
            heap.removeLast()
            if index < heap.count {
                siftDown(index)
                siftUp(index)
            }
            return action
        }

        private mutating func siftUp(_ start: Int) {
            var child = start
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].deadline < heap[parent].deadline else { return }
                swap(child, parent)
                child = parent
            }
        }

        private mutating func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
                if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
                guard smallest != parent else { return }
                swap(parent, smallest)
                parent = smallest
            }
        }

        private mutating func swap(_ a: Int, _ b: Int) {
            heap.swapAt(a, b)
            positions[heap[a].id] = a
            positions[heap[b].id] = b
        }
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "plugboard.deadlines"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// Runs `action` on the scheduler's thread once `delay` has passed, unless cancelled first.
    /// - Returns: The id to ``cancel(_:)`` it with.
    package func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        schedule(at: ContinuousClock.now.advanced(by: delay), action)
    }

    /// Runs `action` on the scheduler's thread at `deadline` (at once if it has passed), unless cancelled first.
    /// - Returns: The id to ``cancel(_:)`` it with.
    package func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, needsWakeup) = state.withLock { state -> (UInt64, Bool) in
            let id = state.nextID
            state.nextID += 1
            state.insert(Entry(deadline: deadline, id: id), action: action)
            let needsWakeup = state.sleepingUntil.map { deadline < $0 } ?? true
            if needsWakeup { state.sleepingUntil = deadline }
            return (id, needsWakeup)
        }
        if needsWakeup { wakeup.signal() }
        return id
    }

    /// Forgets the action scheduled as `id`, if it has not run yet.
    package func cancel(_ id: UInt64) {
        _ = state.withLock { $0.remove(id) }
    }

    /// How many actions are pending (for tests of its bound).
    package var pendingCount: Int { state.withLock { $0.heap.count } }

    private func run() {
        while true {
            let (due, next) = state.withLock { state -> ([@Sendable () -> Void], ContinuousClock.Instant?) in
                let now = ContinuousClock.now
                var due: [@Sendable () -> Void] = []
                while let first = state.heap.first, first.deadline <= now {
                    if let action = state.remove(first.id) { due.append(action) }
                }
                state.sleepingUntil = due.isEmpty ? state.heap.first?.deadline : now  // after running actions, look again at once
                return (due, state.heap.first?.deadline)
            }
            for action in due { action() }
            if !due.isEmpty { continue }
            if let next {
                let wait = ContinuousClock.now.duration(to: next)
                let (seconds, attoseconds) = wait.components
                let nanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
                _ = wakeup.wait(timeout: .now() + .nanoseconds(Int(min(nanoseconds, Int64(Int32.max)))))
            } else {
                wakeup.wait()
            }
        }
    }
}
