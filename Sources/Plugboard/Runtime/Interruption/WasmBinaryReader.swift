/// Reads the parts of a WebAssembly binary the instrumenter rewrites: bytes, LEB128 integers and names, each
/// read checked against the end of its range (a truncated module is an `invalidModule` error, never a crash).
struct WasmBinaryReader {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var isAtEnd: Bool { position >= end }

    mutating func byte() throws -> UInt8 {
        guard position < end else { throw Self.truncated(at: position) }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next `count` bytes' range, skipped.
    mutating func skip(_ count: Int) throws -> Range<Int> {
        guard count >= 0, count <= end - position else { throw Self.truncated(at: position) }
        defer { position += count }
        return position..<(position + count)
    }

    /// An unsigned LEB128 integer of at most 32 bits.
    mutating func u32() throws -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let byte = try byte()
            guard shift < 32, shift < 28 || byte & 0x70 == 0 else { throw PlugboardError.invalidModule(detail: "integer too large at offset \(position - 1)") }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A signed LEB128 integer of up to `bits` bits, skipped (its raw bytes are copied by the caller).
    mutating func skipSigned(bits: Int) throws {
        for _ in 0..<((bits + 6) / 7) {
            if try byte() & 0x80 == 0 { return }
        }
        throw PlugboardError.invalidModule(detail: "integer too large at offset \(position - 1)")
    }

    /// A length-prefixed UTF-8 name.
    mutating func name() throws -> String {
        let range = try skip(Int(try u32()))
        return String(decoding: bytes[range], as: UTF8.self)
    }

    static func truncated(at offset: Int) -> PlugboardError {
        PlugboardError.invalidModule(detail: "unexpected end of section at offset \(offset)")
    }
}

extension Array where Element == UInt8 {
    /// Appends an unsigned LEB128 integer.
    mutating func appendLEB(_ value: UInt32) {
        var value = value
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            append(byte)
        } while value != 0
    }

    /// Appends a signed LEB128 integer.
    mutating func appendSignedLEB(_ value: Int32) {
        var value = value
        while true {
            let byte = UInt8(value & 0x7F)
            value >>= 7
            if (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0) {
                append(byte)
                return
            }
            append(byte | 0x80)
        }
    }

    /// Appends a section: its id, payload size and payload.
    mutating func appendSection(id: UInt8, _ payload: [UInt8]) {
        append(id)
        appendLEB(UInt32(payload.count))
        append(contentsOf: payload)
    }
}
