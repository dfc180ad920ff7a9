import PlugboardABI

/// Checks WebAssembly text before it is assembled: the assembler (WasmKit's `wat2wasm`) recurses once per level of
/// folded expressions such as `(block (block …))`, about 1.5 KiB of native stack per level in release builds and
/// 4 KiB in debug, so a few kilobytes of parentheses would overflow a thread's stack and crash the host.
///
/// A linear scan counts parenthesis depth, skipping strings (with `\` escapes), `;;` line comments and nested
/// `(; … ;)` block comments; nothing real nests anywhere near ``maxDepth`` (the example plugins nest 9 deep).
/// Deep nesting written in the flat form (`block … end`) is not affected: it reaches the binary checks of
/// ``ModuleDescription`` instead.
package enum WATScreen {
    package static let maxDepth = 1_000

    package static func check(_ text: String) throws {
        var depth = 0
        var line = 1
        var iterator = text.utf8.makeIterator()
        var pending: UInt8? = nil
        func next() -> UInt8? {
            if let byte = pending {
                pending = nil
                return byte
            }
            return iterator.next()
        }
        while let byte = next() {
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
            case UInt8(ascii: "\""):
                while let inner = next() {
                    if inner == UInt8(ascii: "\\") {
                        _ = next()
                        continue
                    }
                    if inner == UInt8(ascii: "\n") { line += 1 }
                    if inner == UInt8(ascii: "\"") { break }
                }
            case UInt8(ascii: ";"):
                guard let following = next() else { return }
                if following == UInt8(ascii: ";") {
                    while let inner = next(), inner != UInt8(ascii: "\n") {}
                    line += 1
                } else {
                    pending = following
                }
            case UInt8(ascii: "("):
                guard let following = next() else { return }
                if following == UInt8(ascii: ";") {
                    try skipBlockComment(&line, next)
                    continue
                }
                pending = following
                depth += 1
                if depth > maxDepth { throw PlugboardError.textTooDeep(depth: depth, limit: maxDepth, line: line) }
            case UInt8(ascii: ")"):
                depth -= 1
            default:
                break
            }
        }
    }

    /// Skips a block comment whose `(;` was read, counting nested ones.
    private static func skipBlockComment(_ line: inout Int, _ next: () -> UInt8?) throws {
        var level = 1
        var previous: UInt8 = 0
        while let byte = next() {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if previous == UInt8(ascii: "(") && byte == UInt8(ascii: ";") {
                level += 1
                previous = 0
                continue
            }
            if previous == UInt8(ascii: ";") && byte == UInt8(ascii: ")") {
                level -= 1
                if level == 0 { return }
                previous = 0
                continue
            }
            previous = byte
        }
    }
}
