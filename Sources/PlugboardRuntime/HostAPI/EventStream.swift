import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Something an ``EventStream`` buffers, with what it costs to hold.
public protocol BufferedEvent: Sendable {
    /// Roughly the bytes the event occupies (its strings), charged against a subscriber's buffer.
    var bufferedBytes: Int { get }
}

/// The events a subscriber receives, in order, as an `AsyncSequence`.
///
/// Each subscriber has its own buffer, bounded both in events and in bytes: when a publisher outpaces a subscriber
/// (or the subscriber never reads), the oldest events are dropped and counted in ``droppedCount``, so no plugin can
/// make the host hold more than the bound for a slow reader. Ends when the reading task is cancelled, after the
/// events buffered by then are handed out.
public struct EventStream<Event: BufferedEvent>: AsyncSequence, Sendable {
    public typealias Element = Event

    package let buffer: EventBuffer<Event>

    /// Events dropped so far because this subscriber's buffer was full.
    public var droppedCount: Int { buffer.droppedCount }
    /// The bytes of events buffered and not read yet (at most the buffer's ``EventBufferLimits/maxBytes``).
    public var bufferedBytes: Int { buffer.bufferedBytes }
    /// The events buffered and not read yet.
    public var bufferedCount: Int { buffer.bufferedCount }

    public func makeAsyncIterator() -> Iterator { Iterator(buffer: buffer) }

    public struct Iterator: AsyncIteratorProtocol {
        package let buffer: EventBuffer<Event>

        public mutating func next() async -> Event? { await buffer.next() }
    }
}

/// How much one event subscriber may have buffered and not yet read: past either bound the oldest events are dropped.
public struct EventBufferLimits: Sendable, Hashable {
    /// The most events (default 10,000).
    public var maxEvents: Int
    /// The most bytes of events: their strings plus a fixed cost each (default 16 MiB).
    public var maxBytes: Int

    public init(maxEvents: Int = 10_000, maxBytes: Int = 16 << 20) {
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
    }
}

/// One subscriber's bounded queue.
package final class EventBuffer<Event: BufferedEvent>: Sendable {
    private struct State {
        var events: [Event] = []
        /// Index of the first undelivered event in `events` (delivered ones are compacted away in batches).
        var head = 0
        var bytes = 0
        var dropped = 0
        var waiter: CheckedContinuation<Event?, Never>?
        var isFinished = false

        var count: Int { events.count - head }

        mutating func popFirst() -> Event? {
            guard head < events.count else { return nil }
            let event = events[head]
            head += 1
            bytes -= event.bufferedBytes
            if head >= 1024, head * 2 >= events.count {
                events.removeFirst(head)
                head = 0
            }
            return event
        }
    }

    package let maxEvents: Int
    package let maxBytes: Int
    private let state = Mutex(State())

    package init(maxEvents: Int, maxBytes: Int) {
        self.maxEvents = max(1, maxEvents)
        self.maxBytes = max(1, maxBytes)
    }

    package var droppedCount: Int { state.withLock { $0.dropped } }
    package var bufferedBytes: Int { state.withLock { $0.bytes } }
    package var bufferedCount: Int { state.withLock { $0.count } }

    /// Hands `event` to the waiting reader, or buffers it, dropping the oldest events past the bounds.
    package func push(_ event: Event) {
        let waiter = state.withLock { state -> CheckedContinuation<Event?, Never>? in
            guard !state.isFinished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.events.append(event)
            state.bytes += event.bufferedBytes
            while state.count > 1, state.count > maxEvents || state.bytes > maxBytes {
                _ = state.popFirst()
                state.dropped += 1
            }
            if state.count == 1, state.bytes > maxBytes {  // one event alone over the byte bound is not kept either
                _ = state.popFirst()
                state.dropped += 1
            }
            return nil
        }
        waiter?.resume(returning: event)
    }

    package func next() async -> Event? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> (Bool, Event?) in
                    if let event = state.popFirst() { return (true, event) }
                    if state.isFinished || Task.isCancelled {
                        state.isFinished = true
                        return (true, nil)
                    }
                    state.waiter = continuation
                    return (false, nil)
                }
                if ready.0 { continuation.resume(returning: ready.1) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Ends the stream: a waiting reader gets `nil`; buffered events are still handed out.
    package func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Event?, Never>? in
            state.isFinished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}

/// Fans events out to every current subscriber.
///
/// Subscribers are held weakly: a subscriber whose stream is gone is forgotten at the next publish.
package final class Broadcaster<Event: BufferedEvent>: Sendable {
    private struct Subscriber {
        weak var buffer: EventBuffer<Event>?
    }

    private let subscribers = Mutex<[Subscriber]>([])
    /// Each subscriber's bounds.
    package let limits: EventBufferLimits

    package init(limits: EventBufferLimits = EventBufferLimits()) {
        self.limits = limits
    }

    package func subscribe() -> EventStream<Event> {
        let buffer = EventBuffer<Event>(maxEvents: limits.maxEvents, maxBytes: limits.maxBytes)
        subscribers.withLock { $0.append(Subscriber(buffer: buffer)) }
        return EventStream(buffer: buffer)
    }

    package func publish(_ event: Event) {
        let buffers = subscribers.withLock { subscribers -> [EventBuffer<Event>] in
            subscribers.removeAll { $0.buffer == nil }
            return subscribers.compactMap(\.buffer)
        }
        for buffer in buffers { buffer.push(event) }
    }
}
