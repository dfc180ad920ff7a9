/// Reads Swift values out of a guest's linear memory as the canonical ABI lays them out, for typed calls: generated
/// bindings lift their results (and host functions their arguments) through this, with no ``WITValue`` in between.
///
/// Every load is bounds-checked; every string's bytes and every list's elements are charged to the call's budget
/// before anything is copied (``PluginLimits/maxOutputBytes`` for results, the host-call budget for arguments),
/// aliases included: a list of a million entries pointing at one string costs a million times that string.
public struct CanonicalLifting {
    package let context: CanonicalContext

    package init(_ context: CanonicalContext) { self.context = context }

    /// A string of `length` bytes at `pointer`, validated as UTF-8.
    public func string(pointer: UInt32, length: UInt32) throws -> String {
        try context.liftString(pointer: pointer, length: length)
    }

    /// The string whose pointer and length are stored at `address`.
    public func loadString(at address: Int) throws -> String {
        try string(pointer: try load(UInt32.self, at: address), length: try load(UInt32.self, at: address + 4))
    }

    /// A `list<u8>` of `count` bytes at `pointer`, copied in one piece.
    public func bytes(pointer: UInt32, count: UInt32) throws -> [UInt8] {
        func what() -> String { "a list<u8> of \(count) elements" }  // built only for an error
        try context.budget?.charge(Int(count), for: what())
        return try context.requireMemory().bytes(at: pointer, count: Int(count), what())
    }

    /// A list of `count` elements of `elementSize` bytes at `pointer`, each read by `load(address)`.
    /// - Parameter type: The list's WIT type, for errors (`list<tuple<string, string>>`).
    public func list<Element>(
        pointer: UInt32, count: UInt32, elementSize: Int, alignment: Int, type: String, _ load: (Int) throws -> Element
    ) throws -> [Element] {
        let memory = try context.requireMemory()
        func what() -> String { "a \(type) of \(count) elements" }  // built only for an error
        try context.budget?.charge(Int(count) * max(elementSize, 1), for: what())
        try memory.checkAlignment(pointer, alignment, what())
        try memory.checkRange(pointer, count: Int(count) * elementSize, what())
        if elementSize == 0 && count > 1 << 20 { throw PlugboardError.valueTooLarge(what(), bytes: Int(count)) }
        var elements: [Element] = []
        elements.reserveCapacity(Int(count))
        var address = Int(pointer)
        for _ in 0..<Int(count) {
            elements.append(try load(address))
            address += elementSize
        }
        return elements
    }

    /// An integer (little-endian) at `address`.
    @_specialize(where T == UInt8)
    @_specialize(where T == UInt16)
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func load<T: FixedWidthInteger>(_: T.Type, at address: Int) throws -> T {
        try context.requireMemory().load(T.self, at: address)
    }

    /// A variant's discriminant, `size` bytes wide, checked against `caseCount`.
    public func loadDiscriminant(size: Int, at address: Int, caseCount: Int, type: String) throws -> Int {
        let raw: UInt32 =
            switch size {
            case 1: UInt32(try load(UInt8.self, at: address))
            case 2: UInt32(try load(UInt16.self, at: address))
            default: try load(UInt32.self, at: address)
            }
        return try Self.discriminant(raw, caseCount: caseCount, type: type)
    }

    /// Checks a flat discriminant against `caseCount`.
    public static func discriminant(_ raw: UInt32, caseCount: Int, type: String) throws -> Int {
        guard raw < caseCount else { throw PlugboardError.badDiscriminantValue(raw, typeName: type, caseCount: caseCount) }
        return Int(raw)
    }

    /// A `char` from its code point, rejecting surrogates and values past U+10FFFF.
    public static func char(_ code: UInt32) throws -> Unicode.Scalar {
        try CanonicalContext.char(code)
    }

    /// Checks that `pointer` starts `size` bytes aligned to `alignment` inside memory: a returned or spilled area.
    public func area(at pointer: UInt32, size: Int, alignment: Int, what: String) throws -> Int {
        let memory = try context.requireMemory()
        try memory.checkAlignment(pointer, alignment, what)
        try memory.checkRange(pointer, count: size, what)
        return Int(pointer)
    }
}
