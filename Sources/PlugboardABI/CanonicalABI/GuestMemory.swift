/// Raw access to a guest's linear memory, provided by an engine.
///
/// Implementations may assume every range they are given is in bounds: ``GuestMemory`` checks first.
public protocol LinearMemory {
    /// The current size in bytes.
    var byteCount: Int { get }
    func withUnsafeBytes<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    func withUnsafeMutableBytes<R>(offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R
    /// The memory's bytes for direct access, when they never move and its size is kept in memory the engine updates
    /// as the memory grows; `nil` (the default) when every access must go through the methods above.
    var fixedRegion: LinearMemoryRegion? { get }
}

extension LinearMemory {
    public var fixedRegion: LinearMemoryRegion? { nil }
}

/// Where a memory that never moves keeps its bytes and its current size (see ``LinearMemory/fixedRegion``).
public struct LinearMemoryRegion {
    /// The first byte: it stays valid while the memory lives.
    public let base: UnsafeMutableRawPointer
    /// Where the engine keeps the memory's current size in bytes (it grows, never shrinks).
    public let byteCount: UnsafePointer<Int>

    public init(base: UnsafeMutableRawPointer, byteCount: UnsafePointer<Int>) {
        self.base = base
        self.byteCount = byteCount
    }
}

/// A bounds-checked view of a guest's linear memory.
///
/// Every guest pointer and length goes through here: a range past the end of memory (including one whose end
/// overflows) or a misaligned pointer becomes a ``PlugboardError`` with code `abiViolation`, never an engine
/// precondition failure. The size is re-read on every access because guest code (`cabi_realloc`) can grow it.
/// A class, so that handing it around (each lift and lower step takes it) is one retain, not a copy of an existential.
/// Loads and stores are specialized for the integer widths the canonical ABI uses: bindings in other modules call
/// them generically, and an unspecialized load looks up type metadata on every call.
/// When the engine gives a ``LinearMemoryRegion``, loads and stores read and write it directly, with no call through
/// the existential and its closures.
package final class GuestMemory {
    package let raw: any LinearMemory
    private let region: LinearMemoryRegion?

    package init(raw: any LinearMemory) {
        self.raw = raw
        self.region = raw.fixedRegion
    }

    package var byteCount: Int { region?.byteCount.pointee ?? raw.byteCount }

    /// Checks that `[pointer, pointer + count)` lies inside memory.
    package func checkRange(_ pointer: UInt32, count: Int, _ what: @autoclosure () -> String) throws {
        try checkRange(start: Int(pointer), count: count, what())
    }

    package func checkRange(start: Int, count: Int, _ what: @autoclosure () -> String) throws {
        let (end, overflow) = start.addingReportingOverflow(count)
        guard start >= 0, count >= 0, !overflow, end <= byteCount else {
            throw PlugboardError.pointerOutOfBounds(what(), pointer: start, length: count, memorySize: byteCount)
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
        if let region { return T(littleEndian: region.base.loadUnaligned(fromByteOffset: pointer, as: T.self)) }
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
        if let region { return region.base.storeBytes(of: value.littleEndian, toByteOffset: pointer, as: T.self) }
        raw.withUnsafeMutableBytes(offset: pointer, count: MemoryLayout<T>.size) { bytes in
            bytes.storeBytes(of: value.littleEndian, as: T.self)
        }
    }

    /// Copies `count` bytes out of guest memory.
    package func bytes(at pointer: UInt32, count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
        try checkRange(pointer, count: count, what())
        return withUnsafeBytes(offset: Int(pointer), count: count) { Array($0) }
    }

    /// Copies bytes into guest memory.
    package func write(_ bytes: some Collection<UInt8>, at pointer: UInt32, _ what: @autoclosure () -> String) throws {
        try checkRange(pointer, count: bytes.count, what())
        withUnsafeMutableBytes(offset: Int(pointer), count: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
        }
    }

    /// The bytes `[offset, offset + count)`, which the caller has checked lie inside memory (see ``checkRange(start:count:_:)``).
    package func withUnsafeBytes<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if count == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        if let region { return try body(UnsafeRawBufferPointer(start: region.base + offset, count: count)) }
        return try raw.withUnsafeBytes(offset: offset, count: count, body)
    }

    /// The bytes `[offset, offset + count)` to write, which the caller has checked lie inside memory.
    package func withUnsafeMutableBytes<R>(offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        if count == 0 { return try body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        if let region { return try body(UnsafeMutableRawBufferPointer(start: region.base + offset, count: count)) }
        return try raw.withUnsafeMutableBytes(offset: offset, count: count, body)
    }
}
