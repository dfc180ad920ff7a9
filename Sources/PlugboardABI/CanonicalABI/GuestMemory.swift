/// Raw access to a guest's linear memory, provided by an engine.
///
/// Implementations may assume every range they are given is in bounds: ``GuestMemory`` checks first.
public protocol LinearMemory {
    /// The current size in bytes.
    var byteCount: Int { get }
    func withUnsafeBytes<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    func withUnsafeMutableBytes<R>(offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R
}

/// A bounds-checked view of a guest's linear memory.
///
/// Every guest pointer and length goes through here: a range past the end of memory (including one whose end
/// overflows) or a misaligned pointer becomes a ``PlugboardError`` with code `abiViolation`, never an engine
/// precondition failure. The size is re-read on every access because guest code (`cabi_realloc`) can grow it.
/// A class, so that handing it around (each lift and lower step takes it) is one retain, not a copy of an existential.
/// Loads and stores are specialized for the integer widths the canonical ABI uses: bindings in other modules call
/// them generically, and an unspecialized load looks up type metadata on every call.
package final class GuestMemory {
    package let raw: any LinearMemory

    package init(raw: any LinearMemory) { self.raw = raw }

    package var byteCount: Int { raw.byteCount }

    /// Checks that `[pointer, pointer + count)` lies inside memory.
    package func checkRange(_ pointer: UInt32, count: Int, _ what: @autoclosure () -> String) throws {
        try checkRange(start: Int(pointer), count: count, what())
    }

    package func checkRange(start: Int, count: Int, _ what: @autoclosure () -> String) throws {
        let (end, overflow) = start.addingReportingOverflow(count)
        guard start >= 0, count >= 0, !overflow, end <= raw.byteCount else {
            throw PlugboardError.pointerOutOfBounds(what(), pointer: start, length: count, memorySize: raw.byteCount)
        }
    }

    /// Checks that `pointer` is a multiple of `alignment`.
    package func checkAlignment(_ pointer: UInt32, _ alignment: Int, _ what: @autoclosure () -> String) throws {
        guard Int(pointer) % alignment == 0 else {
            throw PlugboardError.misalignedPointer(what(), pointer: pointer, alignment: alignment)
        }
    }

    @_specialize(where T == UInt8)
    @_specialize(where T == UInt16)
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    package func load<T: FixedWidthInteger>(_: T.Type, at pointer: Int) throws -> T {
        try checkRange(start: pointer, count: MemoryLayout<T>.size, "a \(T.self) value")
        return raw.withUnsafeBytes(offset: pointer, count: MemoryLayout<T>.size) { bytes in
            T(littleEndian: bytes.loadUnaligned(as: T.self))
        }
    }

    @_specialize(where T == UInt8)
    @_specialize(where T == UInt16)
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    package func store<T: FixedWidthInteger>(_ value: T, at pointer: Int) throws {
        try checkRange(start: pointer, count: MemoryLayout<T>.size, "a \(T.self) value")
        raw.withUnsafeMutableBytes(offset: pointer, count: MemoryLayout<T>.size) { bytes in
            bytes.storeBytes(of: value.littleEndian, as: T.self)
        }
    }

    /// Copies `count` bytes out of guest memory.
    package func bytes(at pointer: UInt32, count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
        try checkRange(pointer, count: count, what())
        if count == 0 { return [] }
        return raw.withUnsafeBytes(offset: Int(pointer), count: count) { Array($0) }
    }

    /// Copies bytes into guest memory.
    package func write(_ bytes: some Collection<UInt8>, at pointer: UInt32, _ what: @autoclosure () -> String) throws {
        try checkRange(pointer, count: bytes.count, what())
        if bytes.isEmpty { return }
        raw.withUnsafeMutableBytes(offset: Int(pointer), count: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
        }
    }
}
