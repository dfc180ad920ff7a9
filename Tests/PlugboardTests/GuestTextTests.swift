import PlugboardABI
import Testing

/// The UTF-8 validator strings from guest memory go through accepts exactly what the standard library's validating
/// initializer accepts, and makes the same strings.
@Suite struct GuestTextTests {
    /// Bytes around every boundary of the well-formed ranges.
    static let edges: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]

    static func agree(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in GuestText.string(raw) == String(validating: bytes, as: UTF8.self) }
    }

    @Test func everySequenceOfUpToTwoBytesAndTheEdgesOfLongerOnes() {
        var disagreements: [[UInt8]] = []
        for first in 0...255 {
            if !Self.agree([UInt8(first)]) { disagreements.append([UInt8(first)]) }
            for second in 0...255 where !Self.agree([UInt8(first), UInt8(second)]) { disagreements.append([UInt8(first), UInt8(second)]) }
            for second in Self.edges {
                for third in Self.edges where !Self.agree([UInt8(first), second, third]) { disagreements.append([UInt8(first), second, third]) }
                for third in Self.edges {
                    for fourth in Self.edges where !Self.agree([UInt8(first), second, third, fourth]) {
                        disagreements.append([UInt8(first), second, third, fourth])
                    }
                }
            }
        }
        #expect(disagreements.isEmpty, "first disagreements: \(disagreements.prefix(5))")
    }

    @Test func aBadByteAnywhereInALongASCIIRunIsFound() {
        let text = Array("the quick brown fox jumps over the lazy dog, again and again".utf8)
        #expect(Self.agree(text))
        for position in text.indices {
            for bad: UInt8 in [0x80, 0xC0, 0xE2, 0xFF] {
                var bytes = text
                bytes[position] = bad
                #expect(Self.agree(bytes), "byte \(bad) at \(position)")
            }
        }
    }

    @Test func randomByteStringsAndRandomText() {
        var generator = SystemRandomNumberGenerator()
        let samples = ["é", "€", "😀", "a", "ß", "中", "\u{10FFFF}", "\u{FFFD}"].map { Array($0.utf8) }
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &generator)
            let noise = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Self.agree(noise), "\(noise)")
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &generator) { text += samples.randomElement(using: &generator)! }
            #expect(Self.agree(text))
            if !text.isEmpty {
                text.removeLast()  // usually cuts a sequence short
                #expect(Self.agree(text), "\(text)")
            }
        }
    }
}
