import PlugboardABI
import Synchronization
@_spi(Fuzzing) import WasmKit

/// Holds a store's linear memories and tables to its quota: a `memory.grow` or `table.grow` past it returns -1 to
/// the guest, and an instantiation asking for more fails. The largest denied size is kept so that a call that then
/// fails can say why.
///
/// WasmKit asks about one memory or table at a time, with its new total size, and does not say which table: tables
/// are allocated in order at instantiation (so their initial sizes arrive first, one call each), and afterwards a
/// store with one table (every toolchain's output) is tracked exactly. With several tables a grow is charged its
/// full new size on top of the running total, an over-estimate that can only refuse early, never admit too much.
/// Each table element costs the host 8 bytes (WasmKit stores one machine word per element).
final class ResourceAccountant: ResourceLimiter {
    let maxMemoryBytes: Int
    let maxTableElements: Int

    private struct State {
        var tableSizes: [Int] = []
        var tableTotal = 0
        var deniedMemoryBytes: Int?
        var deniedTableElements: Int?
    }

    private let state = Mutex(State())

    init(maxMemoryBytes: Int, maxTableElements: Int) {
        self.maxMemoryBytes = maxMemoryBytes
        self.maxTableElements = maxTableElements
    }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        guard desired > maxMemoryBytes else { return true }
        state.withLock { $0.deniedMemoryBytes = max($0.deniedMemoryBytes ?? 0, desired) }
        return false
    }

    /// Tables defined by the module being instantiated announce themselves first: ``expectTables(_:)`` says how many.
    private let pendingInitialTables = Mutex(0)

    /// The next `count` table calls are the initial sizes of a module's defined tables.
    func expectTables(_ count: Int) {
        pendingInitialTables.withLock { $0 = count }
    }

    func limitTableGrowth(to desired: Int) throws -> Bool {
        let isInitial = pendingInitialTables.withLock { pending -> Bool in
            guard pending > 0 else { return false }
            pending -= 1
            return true
        }
        return state.withLock { state in
            let total: Int
            if isInitial {
                total = state.tableTotal &+ desired
            } else if state.tableSizes.count == 1 {
                total = state.tableTotal - state.tableSizes[0] + desired
            } else {
                total = state.tableTotal &+ desired
            }
            guard total >= 0, total <= maxTableElements else {
                state.deniedTableElements = max(state.deniedTableElements ?? 0, total < 0 ? Int.max : total)
                return false
            }
            if isInitial {
                state.tableSizes.append(desired)
            } else if state.tableSizes.count == 1 {
                state.tableSizes[0] = desired
            }
            state.tableTotal = total
            return true
        }
    }

    var deniedMemoryBytes: Int? { state.withLock { $0.deniedMemoryBytes } }
    var deniedTableElements: Int? { state.withLock { $0.deniedTableElements } }

    func resetDenied() {
        state.withLock {
            $0.deniedMemoryBytes = nil
            $0.deniedTableElements = nil
        }
    }
}
