/// What lifting and lowering need: the instance's memory and `cabi_realloc`, and what lifting may still copy.
///
/// Memory and `cabi_realloc` are optional because a function whose types need neither (only numbers) works without.
package struct CanonicalContext {
    package let instance: CanonicalInstance
    /// What lifting may still copy out of guest memory; `nil` for no limit.
    package var budget: LiftBudget?

    package init(instance: CanonicalInstance, budget: LiftBudget? = nil) {
        self.instance = instance
        self.budget = budget
    }

    package var memory: GuestMemory? { instance.memory }

    package func requireMemory() throws -> GuestMemory {
        guard let memory = instance.memory else { throw PlugboardError.missingCanonicalExport("memory") }
        return memory
    }

    /// Allocates `size` bytes aligned to `alignment` in guest memory with `cabi_realloc` (during which the guest may
    /// not call imports), and checks what it returns.
    package func allocate(size: Int, alignment: Int, for what: @autoclosure () -> String) throws -> UInt32 {
        guard let realloc = instance.realloc else { throw PlugboardError.missingCanonicalExport("cabi_realloc") }
        guard size <= Int(UInt32.max) else { throw PlugboardError.valueTooLarge(what(), bytes: size) }
        let memory = try requireMemory()
        let pointer = try instance.withImportsForbidden(during: "cabi_realloc") {
            try Self.callRealloc(realloc, typed: instance.reallocIsWellTyped, size: UInt32(size), alignment: UInt32(alignment))
        }
        do {
            try memory.checkAlignment(pointer, alignment, "")
            try memory.checkRange(pointer, count: size, "")
        } catch {
            throw PlugboardError.badRealloc(pointer: pointer, size: size, alignment: alignment, memorySize: memory.byteCount, for: what())
        }
        return pointer
    }

    /// Calls `cabi_realloc(0, 0, alignment, size)`: in place when its signature is the canonical one (`typed`), else
    /// through arrays, which report a wrong arity.
    private static func callRealloc(_ realloc: any CoreFunction, typed: Bool, size: UInt32, alignment: UInt32) throws -> UInt32 {
        if typed {
            return try withUnsafeTemporaryAllocation(of: CoreValue.self, capacity: 4) { slots in
                slots.initializeElement(at: 0, to: .i32(0))
                slots.initializeElement(at: 1, to: .i32(0))
                slots.initializeElement(at: 2, to: .i32(alignment))
                slots.initializeElement(at: 3, to: .i32(size))
                try realloc.call(inPlace: slots)
                guard case .i32(let pointer) = slots[0] else { throw PlugboardError.flatArityMismatch(expected: 1, got: 1) }
                return pointer
            }
        }
        let result = try realloc.call([.i32(0), .i32(0), .i32(alignment), .i32(size)])
        guard result.count == 1, case .i32(let pointer) = result[0] else {
            throw PlugboardError.flatArityMismatch(expected: 1, got: result.count)
        }
        return pointer
    }
}

/// The bytes lifting may copy out of guest memory in one call, charged before anything is copied: every string's
/// bytes and every list element's size, each time it is lifted (a list of a million entries that all point at one
/// string costs a million times that string).
///
/// Lifting into ``WITValue``s (dynamic calls) charges each list element at least ``dynamicElementBytes``: every
/// lifted value is a heap box of about 40 bytes, so counting a `u8` element as its one guest byte would let a small
/// answer make the host hold 40 times the budget. Typed bindings copy lists compactly and pay guest bytes.
///
/// One call uses a budget at a time, on its thread, and no access to its counters overlaps another, so they skip
/// Swift's run-time exclusivity checks (`@exclusivity(unchecked)`), which cost a thread-local lookup per access.
package final class LiftBudget {
    /// What one list element lifted into a ``WITValue`` costs at least.
    package static let dynamicElementBytes = 16

    /// What the budget bounds, for the error when it runs out.
    package enum Purpose {
        /// An export's results (``PluginLimits/maxOutputBytes``).
        case output
        /// The arguments of one call to this host import (``PluginLimits/maxHostCallBytes``).
        case hostCall(String)
    }

    package let limit: Int
    package let purpose: Purpose
    @exclusivity(unchecked) package private(set) var used = 0
    /// Throws when the call was stopped meanwhile; run before each large copy, so a deadline passing while the host
    /// lifts a big argument ends the call before the next copy.
    private let stopCheck: (() throws -> Void)?

    /// Whether a call is using this budget now (see ``reused(_:)``).
    @exclusivity(unchecked) private var inUse = false

    package init(limit: Int, purpose: Purpose = .output, stopCheck: (() throws -> Void)? = nil) {
        self.limit = limit
        self.purpose = purpose
        self.stopCheck = stopCheck
    }

    /// Runs `body` with this budget emptied, as a host function does for each call it serves (so no call allocates
    /// one); a call nested inside another use gets a fresh budget of the same limit instead.
    package func reused<R>(_ body: (LiftBudget) throws -> R) rethrows -> R {
        guard !inUse else { return try body(LiftBudget(limit: limit, purpose: purpose, stopCheck: stopCheck)) }
        inUse = true
        used = 0
        defer { inUse = false }
        return try body(self)
    }

    package func charge(_ bytes: Int, for what: @autoclosure () -> String) throws {
        if bytes >= 64 << 10 { try stopCheck?() }
        let (total, overflow) = used.addingReportingOverflow(bytes)
        guard !overflow, bytes >= 0, total <= limit else {
            switch purpose {
            case .output: throw PlugboardError.outputLimitExceeded(what(), bytes: bytes, used: used, limit: limit)
            case .hostCall(let importName): throw PlugboardError.hostCallLimitExceeded(importName, what: what(), used: used, limit: limit)
            }
        }
        used = total
    }
}
