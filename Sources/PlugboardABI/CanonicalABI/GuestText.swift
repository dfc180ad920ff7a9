/// Strings lifted from guest bytes: validated as UTF-8 (the canonical ABI's `string-encoding=utf8`) and copied once.
///
/// `String(validating:as:)` does the same, but it is generic over the encoding and not specialized for callers outside
/// the standard library, so each call looks up type metadata at run time: a tenth of a small typed call's cost.
/// `UTF8Span(validating:)` is the standard library's concrete (and optimized, even in a debug build of Plugboard)
/// validator, and `String(copying:)` then copies without validating again.
package enum GuestText {
    /// The string `bytes` encode, or `nil` when they are not well-formed UTF-8.
    package static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let text = try? UTF8Span(validating: bytes.assumingMemoryBound(to: UInt8.self).span) else { return nil }
        return String(copying: text)
    }
}
