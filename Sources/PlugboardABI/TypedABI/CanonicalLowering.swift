/// Writes Swift values into a guest's linear memory as the canonical ABI lays them out, for typed calls: generated
/// bindings lower their arguments (and host functions their results) through this, with no ``WITValue`` in between.
///
/// Every store is bounds-checked against the memory's current size; every allocation goes through the guest's
/// `cabi_realloc` (with imports forbidden) and its result is checked before anything is written.
public struct CanonicalLowering {
    package let context: CanonicalContext

    package init(_ context: CanonicalContext) { self.context = context }

    /// Allocates `size` bytes aligned to `alignment` with the guest's `cabi_realloc`.
    public func allocate(size: Int, alignment: Int) throws -> UInt32 {
        try context.allocate(size: size, alignment: alignment, for: "a value of \(size) bytes")
    }

    /// Copies `string` into a fresh guest allocation: its pointer and UTF-8 length.
    public func string(_ string: String) throws -> (pointer: UInt32, length: UInt32) {
        try context.lowerString(string)
    }

    /// Copies `bytes` (a `list<u8>`) into a fresh guest allocation: its pointer and count.
    public func bytes(_ bytes: [UInt8]) throws -> (pointer: UInt32, count: UInt32) {
        guard bytes.count <= UInt32.max else { throw PlugboardError.valueTooLarge("a list<u8>", bytes: bytes.count) }
        let pointer = try context.allocate(size: bytes.count, alignment: 1, for: "a list<u8> of \(bytes.count) elements")
        try context.requireMemory().write(bytes, at: pointer, "a list<u8> of \(bytes.count) elements")
        return (pointer, UInt32(bytes.count))
    }

    /// Allocates room for `elements` (each `elementSize` bytes) and stores each with `store(element, address)`.
    /// - Parameter type: The list's WIT type, for errors (`list<tuple<string, string>>`).
    public func list<Element>(
        _ elements: [Element], elementSize: Int, alignment: Int, type: String, _ store: (Element, Int) throws -> Void
    ) throws -> (pointer: UInt32, count: UInt32) {
        let (byteCount, overflow) = elements.count.multipliedReportingOverflow(by: elementSize)
        func what() -> String { "a \(type) of \(elements.count) elements" }  // built only for an error
        guard !overflow, elements.count <= UInt32.max else { throw PlugboardError.valueTooLarge(what(), bytes: .max) }
        let pointer = try context.allocate(size: byteCount, alignment: alignment, for: what())
        var address = Int(pointer)
        for element in elements {
            try store(element, address)
            address += elementSize
        }
        return (pointer, UInt32(elements.count))
    }

    /// Stores an integer (little-endian) at `address`.
    @_specialize(where T == UInt8)
    @_specialize(where T == UInt16)
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func store<T: FixedWidthInteger>(_ value: T, at address: Int) throws {
        try context.requireMemory().store(value, at: address)
    }

    /// Stores a string's pointer and length at `address`.
    public func storeString(_ string: String, at address: Int) throws {
        let (pointer, length) = try self.string(string)
        let memory = try context.requireMemory()
        try memory.store(pointer, at: address)
        try memory.store(length, at: address + 4)
    }

    /// Stores a variant's discriminant, `size` bytes wide (1, 2 or 4).
    public func storeDiscriminant(_ index: Int, size: Int, at address: Int) throws {
        switch size {
        case 1: try store(UInt8(index), at: address)
        case 2: try store(UInt16(index), at: address)
        default: try store(UInt32(index), at: address)
        }
    }

    /// Appends a variant case to flat values: its discriminant, then its payload's values widened into the joined
    /// slot types, then zeros for the slots the case does not use.
    public static func appendCase(_ index: Int, payload: [CoreValue], joined: [CoreType], into flat: inout [CoreValue]) {
        flat.append(.i32(UInt32(index)))
        for (slot, want) in joined.enumerated() {
            flat.append(slot < payload.count ? CanonicalContext.widen(payload[slot], to: want) : .zero(want))
        }
    }
}
