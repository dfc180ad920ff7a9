import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// A size-bounded cache of compiled modules keyed by content and engine, so loading the same bytes twice compiles
/// them once.
///
/// Entries are evicted least recently used first once their summed ``Key`` costs (the module sizes in bytes)
/// pass ``costLimit``. Concurrent requests for a key that is being compiled wait for that one compilation instead
/// of starting their own; a compilation that fails is not cached.
public actor ModuleCache<Value: Sendable> {
    /// What identifies a compiled module: the SHA-256 of its bytes and the engine (with its version) that compiled it.
    public struct Key: Hashable, Sendable {
        public var digest: String
        public var engine: String

        public init(digest: String, engine: String) {
            self.digest = digest
            self.engine = engine
        }
    }

    /// How the cache has been used since it was made.
    public struct Statistics: Sendable, Hashable {
        /// Requests answered from the cache, including those that waited for a compilation already running.
        public var hits = 0
        /// Requests that compiled.
        public var misses = 0
        /// Entries dropped to stay under the cost limit.
        public var evictions = 0
        /// Entries held now.
        public var entries = 0
        /// The summed cost of the entries held now.
        public var cost = 0
    }

    private struct Entry {
        var value: Value
        var cost: Int
        var lastUse: UInt64
    }

    /// The most summed cost the cache holds; a single entry costlier than this is compiled but not kept.
    public let costLimit: Int
    private var entries: [Key: Entry] = [:]
    private var inFlight: [Key: Task<Value, any Error>] = [:]
    private var clock: UInt64 = 0
    private var stats = Statistics()

    public init(costLimit: Int) {
        self.costLimit = max(0, costLimit)
    }

    public var statistics: Statistics {
        var result = stats
        result.entries = entries.count
        result.cost = entries.values.reduce(0) { $0 + $1.cost }
        return result
    }

    /// The value for `key`, compiling it with `compile` when it is not cached (one compilation per key at a time:
    /// later requests for the same key wait for it).
    ///
    /// - Parameter cost: What the entry counts against ``costLimit``, e.g. the module's size in bytes.
    public func value(for key: Key, cost: Int, compile: @escaping @Sendable () async throws -> Value) async throws -> Value {
        clock += 1
        if var entry = entries[key] {
            entry.lastUse = clock
            entries[key] = entry
            stats.hits += 1
            return entry.value
        }
        if let running = inFlight[key] {
            stats.hits += 1
            return try await running.value
        }
        stats.misses += 1
        let task = Task { try await compile() }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        let value = try await task.value
        insert(value, for: key, cost: max(0, cost))
        return value
    }

    /// Drops every entry (compilations running go on, and are cached when they finish).
    public func removeAll() {
        entries.removeAll()
    }

    private func insert(_ value: Value, for key: Key, cost: Int) {
        guard cost <= costLimit else { return }
        clock += 1
        entries[key] = Entry(value: value, cost: cost, lastUse: clock)
        var total = entries.values.reduce(0) { $0 + $1.cost }
        while total > costLimit, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
            total -= oldest.value.cost
            stats.evictions += 1
        }
    }
}
