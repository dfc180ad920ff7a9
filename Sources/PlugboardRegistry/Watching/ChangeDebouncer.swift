import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// Coalesces bursts of changes to the same path into one change, reported once the path has been quiet.
///
/// A path's change is reported only after ``quiet`` has passed with no further change to it, so copying a large
/// file, or an editor's write-then-rename, is one change. The reported kind is the path's final state, checked
/// when the change is reported: gone is ``DirectoryChange/Kind/removed``; present is
/// ``DirectoryChange/Kind/created`` if the burst began with the path appearing, else
/// ``DirectoryChange/Kind/modified`` (so a file deleted and written again is modified). A file that appears and
/// goes away within one burst is reported as removed, since an appearing name may have replaced one that existed.
///
/// Paths are debounced independently. When the input finishes, changes still waiting are dropped and the output
/// finishes; cancelling the task that iterates the output cancels the input's iteration too.
package struct ChangeDebouncer: Sendable {
    /// How long a path must go without changes before its change is reported. (Default: 100 ms)
    public var quiet: Duration

    /// Makes a debouncer that waits `quiet` after a path's last change.
    public init(quiet: Duration = .milliseconds(100)) {
        self.quiet = quiet
    }

    /// The changes of `changes`, debounced.
    public func debounce(_ changes: AsyncStream<DirectoryChange>) -> AsyncStream<DirectoryChange> {
        let (output, continuation) = AsyncStream.makeStream(of: DirectoryChange.self)
        let quiet = self.quiet
        let pump = Task {
            let pending = PendingBursts()
            let clock = ContinuousClock()
            await withDiscardingTaskGroup { group in
                for await change in changes {
                    let now = clock.now
                    let isNew = pending.bursts.withLock { pending in
                        if pending[change.path] != nil {
                            pending[change.path]?.deadline = now.advanced(by: quiet)
                            return false
                        }
                        pending[change.path] = Burst(first: change.kind, directory: change.directory, deadline: now.advanced(by: quiet))
                        return true
                    }
                    guard isNew else { continue }
                    // One sleeping child task per waiting path; Task.sleep suspends without holding a thread.
                    group.addTask {
                        var deadline = now.advanced(by: quiet)
                        while true {
                            do { try await clock.sleep(until: deadline) } catch { return }
                            let due = pending.bursts.withLock { pending -> Burst? in
                                guard let burst = pending[change.path] else { return nil }
                                if burst.deadline > clock.now {
                                    deadline = burst.deadline
                                    return nil
                                }
                                pending[change.path] = nil
                                return burst
                            }
                            if let due {
                                continuation.yield(due.settled(path: change.path))
                                return
                            }
                        }
                    }
                }
                group.cancelAll()
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in pump.cancel() }
        return output
    }

    /// The paths waiting to be reported, shared by the task reading the input and the tasks waiting out each path.
    private final class PendingBursts: Sendable {
        let bursts = Mutex<[String: Burst]>([:])
    }

    /// The changes to one path since it was last reported.
    private struct Burst: Sendable {
        var first: DirectoryChange.Kind
        var directory: String
        var deadline: ContinuousClock.Instant

        /// The one change reported for the burst, from what is at `path` now.
        func settled(path: String) -> DirectoryChange {
            let kind: DirectoryChange.Kind
            if !FileSystemEntries.exists(path) {
                kind = .removed
            } else {
                kind = first == .created ? .created : .modified
            }
            return DirectoryChange(path: path, kind: kind, directory: directory)
        }
    }
}
