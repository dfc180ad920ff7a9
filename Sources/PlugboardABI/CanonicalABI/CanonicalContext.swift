/// What lifting and lowering need from the guest: its memory and its `cabi_realloc`.
///
/// Both are optional because a function whose types need neither (only numbers) works without them.
package struct CanonicalContext {
    package var memory: GuestMemory?
    /// Calls the guest's `cabi_realloc(old_ptr, old_size, align, new_size) -> ptr`.
    package var realloc: ((UInt32, UInt32, UInt32, UInt32) throws -> UInt32)?
    /// What lifting results may still copy out of guest memory (``PluginLimits/maxOutputBytes``); `nil` for no limit.
    package var outputBudget: OutputBudget?

    package func requireMemory() throws -> GuestMemory {
        guard let memory else { throw PlugboardError.missingCanonicalExport("memory") }
        return memory
    }

    /// Allocates `size` bytes aligned to `alignment` in guest memory with `cabi_realloc`, and checks what it returns.
    package func allocate(size: Int, alignment: Int, for what: @autoclosure () -> String) throws -> UInt32 {
        guard let realloc else { throw PlugboardError.missingCanonicalExport("cabi_realloc") }
        guard size <= Int(UInt32.max) else { throw PlugboardError.valueTooLarge(what(), bytes: size) }
        let memory = try requireMemory()
        let pointer = try realloc(0, 0, UInt32(alignment), UInt32(size))
        do {
            try memory.checkAlignment(pointer, alignment, "")
            try memory.checkRange(pointer, count: size, "")
        } catch {
            throw PlugboardError.badRealloc(pointer: pointer, size: size, alignment: alignment, memorySize: memory.byteCount, for: what())
        }
        return pointer
    }
}

/// The bytes one call's lifted strings and lists may take, charged before anything is copied out of guest memory.
package final class OutputBudget {
    package let limit: Int
    private(set) var used = 0

    package init(limit: Int) { self.limit = limit }

    package func charge(_ bytes: Int, for what: @autoclosure () -> String) throws {
        let (total, overflow) = used.addingReportingOverflow(bytes)
        guard !overflow, total <= limit else {
            throw PlugboardError.outputLimitExceeded(what(), bytes: bytes, used: used, limit: limit)
        }
        used = total
    }
}
