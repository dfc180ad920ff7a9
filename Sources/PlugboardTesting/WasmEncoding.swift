/// Pieces of the WebAssembly binary encoding, for tests that build modules and components byte by byte.
public enum WasmEncoding {
    /// `value` as an unsigned LEB128.
    public static func uleb(_ value: UInt32) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value != 0
        return bytes
    }
}
