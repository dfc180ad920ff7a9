import PlugboardABI

/// Reads the component binary format's primitives from a byte range, never past its end: LEB128 integers of at
/// most their encoded width, names validated as UTF-8, and vector counts no larger than the bytes left (every
/// element takes at least one byte), so a hostile count cannot make the parser allocate or loop more than linearly
/// in the input's size.
struct ComponentReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    var isAtEnd: Bool { offset >= end }
    var remaining: Int { end - offset }

    func error(_ what: String) -> PlugboardError {
        PlugboardError.invalidComponent("\(what) at byte \(offset)")
    }

    mutating func byte() throws -> UInt8 {
        guard offset < end else { throw error("unexpected end of the component") }
        defer { offset += 1 }
        return bytes[offset]
    }

    func peek() throws -> UInt8 {
        guard offset < end else { throw error("unexpected end of the component") }
        return bytes[offset]
    }

    mutating func expect(_ value: UInt8, _ what: String) throws {
        let found = try byte()
        guard found == value else { throw error("expected \(what) (0x\(String(value, radix: 16))), found 0x\(String(found, radix: 16))") }
    }

    /// An unsigned LEB128 `u32`: at most 5 bytes, no bits past 32.
    mutating func u32() throws -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let next = try byte()
            if shift == 28 && next & 0x70 != 0 { throw error("a u32 that overflows 32 bits") }
            result |= UInt32(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
            if shift > 28 { throw error("a u32 longer than 5 bytes") }
        }
    }

    /// A signed LEB128 `s33` (a value type: negative for a primitive's opcode, else a type index).
    mutating func s33() throws -> Int64 {
        var result: Int64 = 0
        var shift: Int64 = 0
        var next: UInt8
        repeat {
            next = try byte()
            result |= Int64(next & 0x7F) << shift
            shift += 7
            if shift > 35 && next & 0x80 != 0 { throw error("an s33 longer than 5 bytes") }
        } while next & 0x80 != 0
        if shift < 64 && next & 0x40 != 0 { result |= -1 << shift }
        guard result >= -(1 << 32), result < (1 << 32) else { throw error("an s33 out of range") }
        return result
    }

    /// A count of elements that each take at least `minimumBytes`: larger than the bytes left is malformed.
    mutating func count(_ what: String, minimumBytes: Int = 1) throws -> Int {
        let count = Int(try u32())
        guard count <= remaining / max(minimumBytes, 1) else {
            throw error("\(what): a count of \(count) with only \(remaining) bytes left")
        }
        return count
    }

    /// A length-prefixed UTF-8 name.
    mutating func name() throws -> String {
        let length = Int(try u32())
        guard length <= remaining else { throw error("a name of \(length) bytes with only \(remaining) left") }
        let start = offset
        offset += length
        guard let name = String(validating: bytes[start..<offset], as: UTF8.self) else { throw error("a name that is not UTF-8") }
        return name
    }

    /// `0x00 t` or `0x01` absent... the component format's optional: `0x00` none, `0x01` followed by the value.
    mutating func optional<T>(_ read: (inout ComponentReader) throws -> T) throws -> T? {
        switch try byte() {
        case 0x00: return nil
        case 0x01: return try read(&self)
        case let other: throw error("an optional marked 0x\(String(other, radix: 16)) (expected 0x00 or 0x01)")
        }
    }

    /// `count` bytes, as a range of ``bytes``.
    mutating func range(_ count: Int) throws -> Range<Int> {
        guard count >= 0, count <= remaining else { throw error("\(count) bytes with only \(remaining) left") }
        defer { offset += count }
        return offset..<(offset + count)
    }
}
