import Plugboard
import PlugboardHTTPFetch
import PlugboardBindgen

/// Collects a host's events while some work runs.
enum EventCollector {
    /// What was collected: the first events, up to the bound, and how many came after it.
    struct Collected: Sendable {
        var events: [PluginEvent] = []
        var bytes = 0
        /// Events not kept because the bound was reached (they were still echoed).
        var dropped = 0
    }

    /// The most events, and bytes of events, `plugboard run` keeps for its result: a plugin emitting without end
    /// must not make the CLI hold everything it emits.
    static let maxEvents = 1_000
    static let maxBytes = 4 << 20

    /// Runs `body` while a child task reads `events`, then stops the reader and returns what it kept.
    ///
    /// Deterministic: the library hands events to the stream synchronously inside the calls, so when `body` returns
    /// every event is buffered in it. Cancelling the reader ends the stream, and a finished ``EventStream`` still
    /// hands out its buffered events before ending, so none is lost.
    static func collecting<T: Sendable>(
        _ events: EventStream<PluginEvent>, echo: Bool, _ body: () async -> T
    ) async -> (T, Collected) {
        await withTaskGroup(of: Collected.self) { group in
            group.addTask {
                var collected = Collected()
                for await event in events {
                    if echo { StandardError.print("event \(event.type): \(event.payload)") }
                    if collected.events.count < maxEvents, collected.bytes + event.bufferedBytes <= maxBytes {
                        collected.events.append(event)
                        collected.bytes += event.bufferedBytes
                    } else {
                        collected.dropped += 1
                    }
                }
                collected.dropped += events.droppedCount
                return collected
            }
            let result = await body()
            group.cancelAll()
            let collected = await group.next() ?? Collected()
            return (result, collected)
        }
    }
}
