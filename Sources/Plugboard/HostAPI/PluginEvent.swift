import Synchronization

/// An event a plugin emitted through `emit-event`.
public struct PluginEvent: Sendable, Hashable {
    /// The emitting plugin's name.
    public var plugin: String
    /// The plugin's version.
    public var version: String
    /// The event type, as the plugin named it.
    public var type: String
    /// The payload, as the plugin gave it.
    public var payload: String

    public init(plugin: String, version: String, type: String, payload: String) {
        self.plugin = plugin
        self.version = version
        self.type = type
        self.payload = payload
    }
}

/// Fans plugin events out to every current subscriber.
typealias EventBroadcaster = Broadcaster<PluginEvent>

/// Fans events out to every current subscriber.
///
/// Each subscriber's stream buffers up to `bufferLimit` events and then drops the oldest, so a subscriber that
/// stops reading cannot make the host grow without bound.
final class Broadcaster<Event: Sendable>: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Event>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)
    let bufferLimit: Int

    init(bufferLimit: Int = 10_000) {
        self.bufferLimit = bufferLimit
    }

    func subscribe() -> AsyncStream<Event> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    func publish(_ event: Event) {
        let continuations = subscribers.withLock { Array($0.values) }
        for continuation in continuations { continuation.yield(event) }
    }
}
