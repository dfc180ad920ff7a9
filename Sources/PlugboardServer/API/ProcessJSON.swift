import NIOCore
import Plugboard

/// The `process` route's JSON, read from and written to NIO buffers directly: the hot path of `plugboard serve`
/// decodes its one body shape and encodes its one result shape without a Foundation `Data` or `JSONDecoder`
/// round trip.
///
/// The reader accepts exactly what ``ProcessBody``'s `Decodable` conformance accepts in the common forms (strings,
/// an options object or list of pairs, `null`s, any whitespace); for anything else — numbers where strings belong,
/// unknown or repeated keys, bad escapes, invalid UTF-8 — it returns `nil` and the caller decodes with
/// `JSONDecoder`, which names the problem in its 400. The writer produces the same bytes as
/// ``JSONResponse``'s encoder (sorted keys, slashes unescaped).
enum ProcessJSON {
    /// `buffer` as a process body, or `nil` when it is not in one of the forms read here.
    static func decodeBody(_ buffer: ByteBuffer) -> ProcessBody? {
        buffer.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes)
            return reader.body()
        }
    }

    /// `result` as JSON: `{"errorMessage":…,"output":…,"success":…,"version":…}`.
    static func encode(_ result: ProcessResult, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: result.output.utf8.count + (result.errorMessage?.utf8.count ?? 0) + result.version.utf8.count + 64)
        buffer.writeStaticString("{\"errorMessage\":")
        if let message = result.errorMessage { writeString(message, to: &buffer) } else { buffer.writeStaticString("null") }
        buffer.writeStaticString(",\"output\":")
        writeString(result.output, to: &buffer)
        buffer.writeStaticString(result.success ? ",\"success\":true,\"version\":" : ",\"success\":false,\"version\":")
        writeString(result.version, to: &buffer)
        buffer.writeStaticString("}")
        return buffer
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string literal, escaped as `JSONEncoder` escapes it.
    static func writeString(_ string: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start..<index]))
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                default:
                    let hex = Self.hexDigits
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0xF)])
                }
                start = index + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start...]))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// A strict reader of the process body's JSON; every method returns `nil` on anything it does not read.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func body() -> ProcessBody? {
            guard consume(UInt8(ascii: "{")) else { return nil }
            var input: String?
            var options: OptionsPayload?
            var sawOptions = false
            var key: String?
            var sawKey = false
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    guard let name = string(), consume(UInt8(ascii: ":")) else { return nil }
                    switch name {
                    case "input" where input == nil:
                        guard let value = string() else { return nil }
                        input = value
                    case "options" where !sawOptions:
                        sawOptions = true
                        if consumeNull() { break }
                        guard let pairs = optionPairs() else { return nil }
                        options = OptionsPayload(pairs: pairs)
                    case "key" where !sawKey:
                        sawKey = true
                        if consumeNull() { break }
                        guard let value = string() else { return nil }
                        key = value
                    default:
                        return nil
                    }
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return nil }
            }
            skipWhitespace()
            guard index == bytes.count, let input else { return nil }
            return ProcessBody(input: input, options: options, key: key)
        }

        /// `{"k": "v", …}` (sorted by key, as the decoder sorts) or `[["k", "v"], …]`.
        mutating func optionPairs() -> [(String, String)]? {
            var pairs: [(String, String)] = []
            if consume(UInt8(ascii: "{")) {
                var seen = Set<String>()
                if consume(UInt8(ascii: "}")) { return [] }
                repeat {
                    guard let name = string(), consume(UInt8(ascii: ":")), let value = string(), seen.insert(name).inserted else { return nil }
                    pairs.append((name, value))
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return nil }
                return pairs.sorted { $0.0 < $1.0 }
            }
            guard consume(UInt8(ascii: "[")) else { return nil }
            if consume(UInt8(ascii: "]")) { return [] }
            repeat {
                guard consume(UInt8(ascii: "[")), let name = string(), consume(UInt8(ascii: ",")), let value = string(), consume(UInt8(ascii: "]"))
                else { return nil }
                pairs.append((name, value))
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "]")) else { return nil }
            return pairs
        }

        /// A JSON string; `nil` for anything else, a bad escape, a lone surrogate or invalid UTF-8.
        mutating func string() -> String? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = index
            // The common case: no escapes, one validated copy.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let string = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return string
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            var utf8 = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var code = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(code) {
                            guard consumeRaw(UInt8(ascii: "\\")), consumeRaw(UInt8(ascii: "u")), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { return nil }
                        utf8.append(contentsOf: String(Character(scalar)).utf8)
                    default:
                        return nil
                    }
                default:
                    if byte < 0x20 { return nil }
                    utf8.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        mutating func consumeNull() -> Bool {
            skipWhitespace()
            guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
                bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
            else { return false }
            index += 4
            return true
        }

        /// Skips whitespace, then consumes `byte` if it is next.
        mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            return consumeRaw(byte)
        }

        mutating func consumeRaw(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }
    }
}
