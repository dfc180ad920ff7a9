extension Sequence<UInt8> {
    /// The bytes in lowercase hexadecimal, two digits each: how a SHA-256 digest is spelled in manifests, the
    /// registry's records and the names of cached compiled modules.
    package var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
