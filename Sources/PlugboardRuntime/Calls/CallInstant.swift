#if canImport(Glibc)
import Glibc
#endif

/// A point in time on `ContinuousClock`, held as the `Duration` since the clock's epoch: the type the call path
/// keeps its arrival times, start times and deadlines in.
///
/// `ContinuousClock.Instant` is a resilient type of the standard library (not `@frozen`): the compiler does not
/// know its layout, so every optional, tuple or struct holding one is copied, stored and destroyed through the
/// runtime's metadata and value witnesses, with a generic metadata lookup each time. On a call path that keeps
/// a deadline in an optional, a call record and a pool entry, that was several percent of a typed call in a
/// profile. This type means the same and has a layout the compiler sees (one `Duration`, two integers); the call
/// path converts to `ContinuousClock.Instant` only where a public API or the deadline scheduler takes one.
package struct CallInstant: Comparable, Hashable, Sendable {
    /// The time since `ContinuousClock`'s epoch.
    package var sinceEpoch: Duration

    package init(sinceEpoch: Duration) {
        self.sinceEpoch = sinceEpoch
    }

    package init(_ instant: ContinuousClock.Instant) {
        sinceEpoch = ContinuousClock().systemEpoch.duration(to: instant)
    }

    /// The current time. On Linux read from `CLOCK_BOOTTIME`, the clock `ContinuousClock` reads there, without
    /// making a `ContinuousClock.Instant` first (which needs a buffer of a size known only at run time).
    package static var now: CallInstant {
        #if os(Linux) && canImport(Glibc)
        var time = timespec()
        clock_gettime(CLOCK_BOOTTIME, &time)
        return CallInstant(sinceEpoch: Duration(secondsComponent: Int64(time.tv_sec), attosecondsComponent: Int64(time.tv_nsec) * 1_000_000_000))
        #else
        return CallInstant(ContinuousClock.now)
        #endif
    }

    /// The same point as a `ContinuousClock.Instant`.
    package var instant: ContinuousClock.Instant { ContinuousClock().systemEpoch.advanced(by: sinceEpoch) }

    package func advanced(by duration: Duration) -> CallInstant {
        CallInstant(sinceEpoch: sinceEpoch + duration)
    }

    package func duration(to other: CallInstant) -> Duration {
        other.sinceEpoch - sinceEpoch
    }

    package static func - (lhs: CallInstant, rhs: CallInstant) -> Duration {
        lhs.sinceEpoch - rhs.sinceEpoch
    }

    package static func < (lhs: CallInstant, rhs: CallInstant) -> Bool {
        lhs.sinceEpoch < rhs.sinceEpoch
    }
}
