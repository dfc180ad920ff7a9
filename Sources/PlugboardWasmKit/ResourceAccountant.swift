import PlugboardABI
import Synchronization
@_spi(Fuzzing) import WasmKit

/// Holds a store's linear memories and tables to its quota, each kind summed over every instance of the store (a
/// component's core instances share one quota): a `memory.grow` or `table.grow` past it returns -1 to the guest,
/// and an instantiation asking for more fails. The largest denied size is kept so that a call that then fails can
/// say why.
///
/// WasmKit asks about one memory or table at a time, with its new size, and does not say which one: memories and
/// tables are allocated in order at instantiation (so their initial sizes arrive first, one call each, announced by
/// ``expect(memories:tables:)``), and afterwards a store with one memory and one table (a core module's shape) is
/// tracked exactly. With several, a grow is charged its full new size on top of the running total, an
/// over-estimate that can only refuse early, never admit too much. Each table element costs the host 8 bytes
/// (WasmKit stores one machine word per element).
final class ResourceAccountant: ResourceLimiter {
    let maxMemoryBytes: Int
    let maxTableElements: Int

    /// The sizes of one kind of resource and their total.
    private struct Tally {
        var sizes: [Int] = []
        var total = 0
        /// How many of the next calls are initial sizes of a module being instantiated.
        var pendingInitial = 0
        var denied: Int?

        /// Charges a new size (an initial one, or a grow); `false` when the total would pass `limit`.
        mutating func charge(_ desired: Int, limit: Int) -> Bool {
            let isInitial = pendingInitial > 0
            let newTotal: Int
            if isInitial {
                newTotal = total &+ desired
            } else if sizes.count == 1 {
                newTotal = total - sizes[0] + desired
            } else {
                newTotal = total &+ desired
            }
            guard newTotal >= 0, desired >= 0, newTotal <= limit else {
                denied = max(denied ?? 0, newTotal < 0 ? Int.max : newTotal)
                return false
            }
            if isInitial {
                pendingInitial -= 1
                sizes.append(desired)
            } else if sizes.count == 1 {
                sizes[0] = desired
            }
            total = newTotal
            return true
        }
    }

    private let memories = Mutex(Tally())
    private let tables = Mutex(Tally())

    init(maxMemoryBytes: Int, maxTableElements: Int) {
        self.maxMemoryBytes = maxMemoryBytes
        self.maxTableElements = maxTableElements
    }

    /// The next calls are the initial sizes of a module's `memories` defined memories and `tables` defined tables.
    func expect(memories memoryCount: Int, tables tableCount: Int) {
        memories.withLock { $0.pendingInitial = memoryCount }
        tables.withLock { $0.pendingInitial = tableCount }
    }

    /// The bytes of all the store's memories together.
    var memoryBytes: Int { memories.withLock { $0.total } }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        memories.withLock { $0.charge(desired, limit: maxMemoryBytes) }
    }

    func limitTableGrowth(to desired: Int) throws -> Bool {
        tables.withLock { $0.charge(desired, limit: maxTableElements) }
    }

    var deniedMemoryBytes: Int? { memories.withLock { $0.denied } }
    var deniedTableElements: Int? { tables.withLock { $0.denied } }

    func resetDenied() {
        memories.withLock { $0.denied = nil }
        tables.withLock { $0.denied = nil }
    }
}
