import CWasmtime
import Synchronization

/// A store's linear-memory quota, asked by every memory of the store before it grows (the memories are Plugboard's
/// own, made by `pb_wasmtime_use_quota_memories`): the store's memories together stay within ``maxBytes``, and the
/// largest size a refused growth asked for is kept, so a call that then fails is reported as the memory limit with
/// that size, as on WasmKit. Wasmtime's own limiter would refuse without saying what was asked for.
final class WasmtimeMemoryQuota: Sendable {
    let maxBytes: Int
    private struct State {
        var total = 0
        var denied: Int?
        /// The addresses of the memories made under this quota (they live as long as the store).
        var memories: [UInt] = []
    }
    private let state = Mutex(State())

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Whether a memory may grow from `old` to `new` bytes (counting it in the store's total when it may).
    func allow(from old: Int, to new: Int) -> Bool {
        state.withLock { state in
            let (total, overflow) = (state.total - old).addingReportingOverflow(new)
            guard !overflow, total <= maxBytes else {
                state.denied = max(state.denied ?? 0, overflow ? Int.max : total)
                return false
            }
            state.total = total
            return true
        }
    }

    /// The bytes the store's memories hold now.
    var total: Int { state.withLock { $0.total } }

    /// The largest store total a refused growth asked for since ``resetDenied()``.
    var denied: Int? { state.withLock { $0.denied } }

    func resetDenied() { state.withLock { $0.denied = nil } }

    func register(_ memory: UnsafeMutablePointer<pb_quota_memory>) {
        state.withLock { $0.memories.append(UInt(bitPattern: memory)) }
    }

    /// The memory made under this quota whose reservation starts at `base`.
    func memory(at base: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<pb_quota_memory>? {
        let addresses = state.withLock { $0.memories }
        return addresses.lazy.compactMap { UnsafeMutablePointer<pb_quota_memory>(bitPattern: $0) }.first { $0.pointee.base == base }
    }

    /// Runs `body` (an instantiation) with the memories it makes answering to this quota.
    func governing<R>(_ body: () throws -> R) rethrows -> R {
        pb_wasmtime_set_current_quota(Unmanaged.passUnretained(self).toOpaque())
        defer { pb_wasmtime_set_current_quota(nil) }
        return try body()
    }
}

/// The decider every quota memory calls before it grows.
let wasmtimeGrowthAllowed: pb_growth_decider_t = { quota, old, new in
    Unmanaged<WasmtimeMemoryQuota>.fromOpaque(quota!).takeUnretainedValue().allow(from: old, to: new)
}

/// The registrar every quota memory made under a quota is given to.
let wasmtimeMemoryMade: pb_memory_registrar_t = { quota, memory in
    Unmanaged<WasmtimeMemoryQuota>.fromOpaque(quota).takeUnretainedValue().register(memory)
}
