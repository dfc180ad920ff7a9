/// Reads structured choices from a fuzz input, front to back. Past the end every read is zero, so any input
/// (including the empty one) decodes to something, and a short input decodes to the simplest choices.
public struct FuzzInput {
    public let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A little-endian integer of `T`'s width.
    public mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_: T.Type = T.self) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size { value |= T(byte()) << (8 * index) }
        return value
    }

    /// A number in `0..<bound` (`bound` at most 256), from one byte.
    public mutating func choose(_ bound: Int) -> Int {
        precondition(bound > 0 && bound <= 256, "choose(_:) takes a bound of 1 to 256")
        return Int(byte()) % bound
    }

    /// The bytes not read yet; reads them all.
    public mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return offset < bytes.count ? Array(bytes[offset...]) : []
    }
}
