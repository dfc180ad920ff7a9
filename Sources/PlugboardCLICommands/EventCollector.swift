import Plugboard

/// Collects a host's events while some work runs.
enum EventCollector {
    /// Runs `body` while a child task reads `events`, then stops the reader and returns everything it read.
    ///
    /// Deterministic: the library yields events synchronously inside the calls, so when `body` returns every event
    /// is buffered in the stream. Cancelling the reader finishes the stream, and a finished `AsyncStream` still
    /// hands out its buffered elements before ending, so none is lost.
    static func collecting<T: Sendable>(
        _ events: AsyncStream<PluginEvent>, echo: Bool, _ body: () async -> T
    ) async -> (T, [PluginEvent]) {
        await withTaskGroup(of: [PluginEvent].self) { group in
            group.addTask {
                var collected: [PluginEvent] = []
                for await event in events {
                    if echo { StandardError.print("event \(event.type): \(event.payload)") }
                    collected.append(event)
                }
                return collected
            }
            let result = await body()
            group.cancelAll()
            let collected = await group.next() ?? []
            return (result, collected)
        }
    }
}
