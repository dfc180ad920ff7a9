import WasmParser

/// Bounds on what a module may declare, checked before any engine parses it.
///
/// WasmKit 0.4.2 (and the WebAssembly text assembler) have shapes whose cost grows faster than the file: locals are
/// expanded at parse time (an 8 KB module declaring 1,000 functions of 99,999 locals made the parser take 1.2 GB),
/// a long run of `i32.eqz` makes its translator recurse once per instruction (6,400 of them, 6.4 KB of code,
/// overflow a 512 KiB thread's stack), and nesting costs a few hundred bytes of host memory per level. These limits
/// are far above what compilers emit (the example plugins nest 31 deep; no toolchain emits two `eqz` in a row) and
/// keep every load linear in the file's size.
public struct ModuleLimits: Sendable, Hashable {
    /// The most locals one function may declare (default 50,000, as wasmparser allows).
    public var maxLocalsPerFunction: Int
    /// The most locals all functions together may declare (default 1,000,000).
    public var maxLocalsPerModule: Int
    /// The deepest nesting of `block`, `loop`, `if` and `try_table` (default 20,000).
    public var maxControlDepth: Int
    /// The longest run of consecutive `i32.eqz`/`i64.eqz` (default 256).
    public var maxEqzRun: Int
    /// The most tables, defined and imported (default 100).
    public var maxTables: Int

    public init(
        maxLocalsPerFunction: Int = 50_000, maxLocalsPerModule: Int = 1_000_000, maxControlDepth: Int = 20_000, maxEqzRun: Int = 256,
        maxTables: Int = 100
    ) {
        self.maxLocalsPerFunction = maxLocalsPerFunction
        self.maxLocalsPerModule = maxLocalsPerModule
        self.maxControlDepth = maxControlDepth
        self.maxEqzRun = maxEqzRun
        self.maxTables = maxTables
    }
}

/// The checks of ``ModuleLimits``: a walk of the raw sections for declared locals (before WasmParser expands them),
/// and a scan of every function body for nesting depth and `eqz` runs. Both are loops, never recursion, and cost
/// time linear in the module's size.
enum ModuleScreen {
    /// Sums the locals each function body declares, reading only the section headers and each body's local
    /// declarations. Malformed framing is left to the parser, which reports it precisely.
    static func checkLocals(_ bytes: [UInt8], limits: ModuleLimits) throws {
        var reader = ByteReader(bytes: bytes, position: 8)
        guard bytes.count >= 8 else { return }
        var total = 0
        var functionIndex = 0
        while !reader.isAtEnd {
            guard let id = reader.byte(), let size = reader.leb(), size <= UInt64(reader.remaining) else { return }
            let end = reader.position + Int(size)
            defer { reader.position = end }
            guard id == 10 else { continue }
            // A LEB128 may run past the end it belongs in (hostile framing): what is left is never negative.
            func left(_ limit: Int) -> UInt64 { UInt64(max(0, limit - reader.position)) }
            guard let count = reader.leb() else { return }
            for _ in 0..<min(count, left(end)) {
                guard let bodySize = reader.leb(), bodySize <= left(end) else { return }
                let bodyEnd = reader.position + Int(bodySize)
                guard let declarations = reader.leb() else { return }
                var locals: UInt64 = 0
                for _ in 0..<min(declarations, left(bodyEnd)) {
                    guard let declared = reader.leb(), let type = reader.byte() else { return }
                    if type == 0x63 || type == 0x64 { _ = reader.leb() }  // (ref null? heaptype)
                    locals = locals &+ min(declared, UInt64(Int.max / 4))
                    if locals > UInt64(limits.maxLocalsPerFunction) {
                        throw PlugboardError.moduleTooLarge(
                            "function \(functionIndex) of the code section declares \(locals) or more locals",
                            limit: "ModuleLimits.maxLocalsPerFunction (\(limits.maxLocalsPerFunction))")
                    }
                }
                total += Int(locals)
                if total > limits.maxLocalsPerModule {
                    throw PlugboardError.moduleTooLarge(
                        "its functions declare \(total) or more locals in all", limit: "ModuleLimits.maxLocalsPerModule (\(limits.maxLocalsPerModule))")
                }
                functionIndex += 1
                reader.position = bodyEnd
            }
        }
    }

    /// Scans one function body for its nesting depth and its longest run of `eqz`.
    static func checkBody(_ code: Code, functionIndex: Int, limits: ModuleLimits) throws {
        var scanner = BodyScanner(limits: limits, functionIndex: functionIndex)
        var parser = ExpressionParser(code: code)
        do {
            while let visit = try parser.parse() {
                try visit(visitor: &scanner)
            }
        } catch let error as ScreenFailure {
            throw error.error
        } catch {
            throw PlugboardError.invalidModule(detail: "function \(functionIndex): \(error)")
        }
    }

    struct ScreenFailure: Error {
        var error: PlugboardError
    }

    struct BodyScanner: AnyInstructionVisitor {
        typealias VisitorError = ScreenFailure
        let limits: ModuleLimits
        let functionIndex: Int
        var binaryOffset = 0
        var depth = 0
        var eqzRun = 0

        init(limits: ModuleLimits, functionIndex: Int) {
            self.limits = limits
            self.functionIndex = functionIndex
        }

        mutating func visit(_ instruction: Instruction) throws(ScreenFailure) {
            switch instruction {
            case .i32Eqz, .i64Eqz:
                eqzRun += 1
                if eqzRun > limits.maxEqzRun {
                    throw ScreenFailure(
                        error: .moduleTooLarge(
                            "function \(functionIndex) has more than \(limits.maxEqzRun) consecutive eqz instructions (at byte \(binaryOffset))",
                            limit: "ModuleLimits.maxEqzRun (\(limits.maxEqzRun))"))
                }
                return
            case .block, .loop, .if, .tryTable:
                depth += 1
                if depth > limits.maxControlDepth {
                    throw ScreenFailure(
                        error: .moduleTooLarge(
                            "function \(functionIndex) nests blocks more than \(limits.maxControlDepth) deep (at byte \(binaryOffset))",
                            limit: "ModuleLimits.maxControlDepth (\(limits.maxControlDepth))"))
                }
            case .end:
                depth -= 1
            default:
                break
            }
            eqzRun = 0
        }
    }
}

/// A bounds-checked cursor over module bytes (LEB128 decoding with overflow checks); `nil` at the end or on a
/// malformed number.
struct ByteReader {
    let bytes: [UInt8]
    var position: Int

    var isAtEnd: Bool { position >= bytes.count }
    var remaining: Int { max(0, bytes.count - position) }

    mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func leb() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            guard let byte = byte() else { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }
}
