import WasmParser

/// Rewrites a core module so that a running call can be stopped from outside: the technique wasmtime calls
/// "fuel"/"epoch interruption", done at the bytecode level because WasmKit 0.4.2 cannot interrupt a call.
///
/// The module gets a mutable `i32` global (the *budget*) and one more function import,
/// `plugboard:interrupt` `check: func() -> i32`. At every function entry and at the top of every loop body, the
/// code is charged the number of instructions up to the next such point; when the budget drops below zero it
/// calls `check`, which either returns a new budget (the call goes on) or throws (the call ends with that error).
/// A guest spinning in `loop br 0 end` therefore reaches the host every few thousand iterations, with no host
/// calls of its own. Defined function indices move up by one (calls, `ref.func`, exports, the start function,
/// element segments and the `name` section are renumbered).
///
/// Straight-line code is charged statically, so one iteration costs its segment's length; code a branch skips
/// is charged anyway and code after a nested loop is charged to that loop: the budget measures work roughly,
/// which is all a deadline needs (``CallInterruption`` adapts the budget to elapsed time).
enum InterruptionInstrumenter {
    /// The import module the added function comes from; a plugin importing from it is refused.
    static let moduleName = "plugboard:interrupt"
    /// The added import's name.
    static let functionName = "check"
    /// The budget a fresh instance starts with.
    static let initialBudget: Int32 = 10_000
    /// The most one charge point charges (a very long straight-line segment).
    static let maximumCharge = 10_000

    /// The module with the budget global, the `check` import and the charge points added.
    static func instrument(_ bytes: [UInt8]) throws -> [UInt8] {
        var rewriter = try ModuleRewriter(bytes)
        return try rewriter.rewrite()
    }
}

/// One pass over a module's sections, renumbering function indices and charging code (see ``InterruptionInstrumenter``).
private struct ModuleRewriter {
    let bytes: [UInt8]
    var sections: [(id: UInt8, payload: Range<Int>)] = []
    var functionImports: UInt32 = 0
    var globalCount: UInt32 = 0
    var typeCount: UInt32 = 0

    /// The index the `check` import gets: right after the module's own function imports.
    var checkFunction: UInt32 { functionImports }
    /// The budget global: after every imported and defined global.
    var budgetGlobal: UInt32 { globalCount }

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        guard bytes.count >= 8, bytes[0..<4].elementsEqual([0x00, 0x61, 0x73, 0x6D]) else {
            throw PlugboardError.invalidModule(detail: "not a WebAssembly binary (no \\0asm header)")
        }
        var reader = WasmBinaryReader(bytes, range: 8..<bytes.count)
        while !reader.isAtEnd {
            let id = try reader.byte()
            let size = try reader.u32()
            sections.append((id, try reader.skip(Int(size))))
        }
        for section in sections {
            var reader = WasmBinaryReader(bytes, range: section.payload)
            switch section.id {
            case 1: typeCount = try Self.countFunctionTypes(&reader)
            case 2: try countImports(&reader)
            case 6: globalCount += try reader.u32()
            default: break
            }
        }
    }

    private static func countFunctionTypes(_ reader: inout WasmBinaryReader) throws -> UInt32 {
        let count = try reader.u32()
        for _ in 0..<count {
            guard try reader.byte() == 0x60 else {
                throw PlugboardError.invalidModule(detail: "the module defines GC types, which Plugboard's interruption instrumentation does not support")
            }
            for _ in 0..<(try reader.u32()) { try reader.skipValueType() }
            for _ in 0..<(try reader.u32()) { try reader.skipValueType() }
        }
        return count
    }

    private mutating func countImports(_ reader: inout WasmBinaryReader) throws {
        for _ in 0..<(try reader.u32()) {
            let module = try reader.name()
            _ = try reader.name()
            if module == InterruptionInstrumenter.moduleName {
                throw PlugboardError.invalidModule(detail: "it imports from '\(module)', a module name the host reserves for itself")
            }
            switch try reader.byte() {
            case 0x00:
                _ = try reader.u32()
                functionImports += 1
            case 0x01:
                try reader.skipValueType()
                try reader.skipLimits()
            case 0x02: try reader.skipLimits()
            case 0x03:
                try reader.skipValueType()
                _ = try reader.byte()
                globalCount += 1
            case 0x04:
                _ = try reader.byte()
                _ = try reader.u32()
            case let kind: throw PlugboardError.invalidModule(detail: "unknown import kind 0x\(String(kind, radix: 16))")
            }
        }
    }

    func remap(_ function: UInt32) -> UInt32 { function >= functionImports ? function + 1 : function }

    /// Section order ranks (custom sections have none).
    private static func rank(_ id: UInt8) -> Int? {
        [1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13][id]
    }

    mutating func rewrite() throws -> [UInt8] {
        var output = Array(bytes[0..<8])
        var pending: [UInt8] = [1, 2, 6]  // type, import, global: emitted new if the module has none
        func emitPending(before rank: Int?) {
            while let id = pending.first, rank.map({ Self.rank(id)! < $0 }) ?? true {
                pending.removeFirst()
                output.appendSection(id: id, freshSection(id))
            }
        }
        for section in sections {
            var reader = WasmBinaryReader(bytes, range: section.payload)
            if section.id != 0 { emitPending(before: Self.rank(section.id)) }
            pending.removeAll { $0 == section.id }
            switch section.id {
            case 0:
                let payload = (try? rewriteCustom(&reader)) ?? nil
                if let payload { output.appendSection(id: 0, payload) }
            case 1: output.appendSection(id: 1, try appendingType(&reader))
            case 2: output.appendSection(id: 2, try appendingImport(&reader))
            case 6: output.appendSection(id: 6, try rewriteGlobals(&reader))
            case 7: output.appendSection(id: 7, try rewriteExports(&reader))
            case 8:
                var payload: [UInt8] = []
                payload.appendLEB(remap(try reader.u32()))
                output.appendSection(id: 8, payload)
            case 9: output.appendSection(id: 9, try rewriteElements(&reader))
            case 10: output.appendSection(id: 10, try rewriteCode(&reader))
            default: output.appendSection(id: section.id, Array(bytes[section.payload]))
            }
        }
        emitPending(before: nil)
        return output
    }

    private func freshSection(_ id: UInt8) -> [UInt8] {
        var payload: [UInt8] = [1]
        switch id {
        case 1: payload += [0x60, 0x00, 0x01, 0x7F]
        case 2: appendCheckImport(&payload)
        default: appendBudgetGlobal(&payload)
        }
        return payload
    }

    private func appendCheckImport(_ payload: inout [UInt8]) {
        for name in [InterruptionInstrumenter.moduleName, InterruptionInstrumenter.functionName] {
            payload.appendLEB(UInt32(name.utf8.count))
            payload += Array(name.utf8)
        }
        payload.append(0x00)
        payload.appendLEB(typeCount)
    }

    private func appendBudgetGlobal(_ payload: inout [UInt8]) {
        payload += [0x7F, 0x01, 0x41]
        payload.appendSignedLEB(InterruptionInstrumenter.initialBudget)
        payload.append(0x0B)
    }

    /// The section's entries with a new count and `extra` appended.
    private func appending(_ reader: inout WasmBinaryReader, extra: (inout [UInt8]) -> Void) throws -> [UInt8] {
        var payload: [UInt8] = []
        payload.appendLEB(try reader.u32() + 1)
        payload += bytes[reader.position..<reader.end]
        extra(&payload)
        return payload
    }

    private func appendingType(_ reader: inout WasmBinaryReader) throws -> [UInt8] {
        try appending(&reader) { $0 += [0x60, 0x00, 0x01, 0x7F] }
    }

    private func appendingImport(_ reader: inout WasmBinaryReader) throws -> [UInt8] {
        try appending(&reader) { appendCheckImport(&$0) }
    }

    private func rewriteGlobals(_ reader: inout WasmBinaryReader) throws -> [UInt8] {
        var payload: [UInt8] = []
        let count = try reader.u32()
        payload.appendLEB(count + 1)
        for _ in 0..<count {
            let start = reader.position
            try reader.skipValueType()
            _ = try reader.byte()
            payload += bytes[start..<reader.position]
            try copyConstantExpression(&reader, into: &payload)
        }
        appendBudgetGlobal(&payload)
        return payload
    }

    private func rewriteExports(_ reader: inout WasmBinaryReader) throws -> [UInt8] {
        var payload: [UInt8] = []
        let count = try reader.u32()
        payload.appendLEB(count)
        for _ in 0..<count {
            let start = reader.position
            _ = try reader.name()
            let kind = try reader.byte()
            payload += bytes[start..<reader.position]
            let index = try reader.u32()
            payload.appendLEB(kind == 0x00 ? remap(index) : index)
        }
        return payload
    }

    private func rewriteElements(_ reader: inout WasmBinaryReader) throws -> [UInt8] {
        var payload: [UInt8] = []
        let count = try reader.u32()
        payload.appendLEB(count)
        for _ in 0..<count {
            let flags = try reader.u32()
            payload.appendLEB(flags)
            guard flags <= 7 else { throw PlugboardError.invalidModule(detail: "unknown element segment kind \(flags)") }
            if flags == 2 || flags == 6 { payload.appendLEB(try reader.u32()) }  // table index
            if flags & 1 == 0 { try copyConstantExpression(&reader, into: &payload) }  // active: offset
            let usesExpressions = flags & 4 != 0
            if flags & 3 != 0 {  // element kind or reference type
                let start = reader.position
                if usesExpressions { try reader.skipValueType() } else { _ = try reader.byte() }
                payload += bytes[start..<reader.position]
            }
            let items = try reader.u32()
            payload.appendLEB(items)
            for _ in 0..<items {
                if usesExpressions {
                    try copyConstantExpression(&reader, into: &payload)
                } else {
                    payload.appendLEB(remap(try reader.u32()))
                }
            }
        }
        return payload
    }

    /// Copies a constant expression up to and including its `end`, renumbering `ref.func`.
    private func copyConstantExpression(_ reader: inout WasmBinaryReader, into payload: inout [UInt8]) throws {
        while true {
            let start = reader.position
            let opcode = try reader.byte()
            switch opcode {
            case 0x0B:
                payload.append(opcode)
                return
            case 0xD2:
                payload.append(opcode)
                payload.appendLEB(remap(try reader.u32()))
                continue
            case 0x41: try reader.skipSigned(bits: 32)
            case 0x42: try reader.skipSigned(bits: 64)
            case 0x43: _ = try reader.skip(4)
            case 0x44: _ = try reader.skip(8)
            case 0x23: _ = try reader.u32()
            case 0xD0: try reader.skipHeapType()
            case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E: break
            case 0xFD:
                guard try reader.u32() == 12 else { throw PlugboardError.invalidModule(detail: "unsupported constant expression") }
                _ = try reader.skip(16)
            default:
                throw PlugboardError.invalidModule(detail: "unsupported instruction 0x\(String(opcode, radix: 16)) in a constant expression")
            }
            payload += bytes[start..<reader.position]
        }
    }

    /// Renumbers the `name` section's function names and local names; other custom sections are copied.
    private func rewriteCustom(_ reader: inout WasmBinaryReader) throws -> [UInt8]? {
        let whole = Array(bytes[reader.position..<reader.end])
        guard try reader.name() == "name" else { return whole }
        var payload: [UInt8] = [4] + Array("name".utf8)
        while !reader.isAtEnd {
            let id = try reader.byte()
            let size = try reader.u32()
            let range = try reader.skip(Int(size))
            guard id == 1 || id == 2 else {
                payload.append(id)
                payload.appendLEB(size)
                payload += bytes[range]
                continue
            }
            var subsection = WasmBinaryReader(bytes, range: range)
            var content: [UInt8] = []
            let count = try subsection.u32()
            content.appendLEB(count)
            for _ in 0..<count {
                content.appendLEB(remap(try subsection.u32()))
                let start = subsection.position
                if id == 1 {
                    _ = try subsection.name()
                } else {
                    for _ in 0..<(try subsection.u32()) {
                        _ = try subsection.u32()
                        _ = try subsection.name()
                    }
                }
                content += bytes[start..<subsection.position]
            }
            payload.append(id)
            payload.appendLEB(UInt32(content.count))
            payload += content
        }
        return payload
    }

    private func rewriteCode(_ reader: inout WasmBinaryReader) throws -> [UInt8] {
        let codes = try Self.parsedCode(of: bytes)
        let count = try reader.u32()
        guard codes.count == Int(count) else { throw PlugboardError.invalidModule(detail: "the code section does not match its parse") }
        var payload: [UInt8] = []
        payload.appendLEB(count)
        for code in codes {
            let size = try reader.u32()
            let body = try rewriteBody(try reader.skip(Int(size)), code: code)
            payload.appendLEB(UInt32(body.count))
            payload += body
        }
        return payload
    }

    private static func parsedCode(of bytes: [UInt8]) throws -> [Code] {
        var parser = Parser(bytes: bytes, features: .default)
        do {
            while let payload = try parser.parseNext() {
                if case .codeSection(let codes) = payload { return codes }
            }
        } catch {
            throw PlugboardError.invalidModule(detail: "\(error)")
        }
        return []
    }

    /// A function body with charge points at its entry and after every `loop`, and renumbered calls.
    private func rewriteBody(_ range: Range<Int>, code: Code) throws -> [UInt8] {
        var reader = WasmBinaryReader(bytes, range: range)
        for _ in 0..<(try reader.u32()) {
            _ = try reader.u32()
            try reader.skipValueType()
        }
        let expressionStart = reader.position
        guard code.expression.startIndex == expressionStart, code.expression.endIndex == range.upperBound else {
            throw PlugboardError.invalidModule(detail: "a function body does not match its parse")
        }
        var instructions: [(range: Range<Int>, kind: InstructionClassifier.Kind)] = []
        var parser = ExpressionParser(code: code)
        let base = parser.offset
        var classifier = InstructionClassifier()
        do {
            var previous = 0
            while let visit = try parser.parse() {
                visit(visitor: &classifier)
                let next = parser.offset - base
                instructions.append((expressionStart + previous..<expressionStart + next, classifier.kind))
                previous = next
            }
        } catch {
            throw PlugboardError.invalidModule(detail: "\(error)")
        }
        var body = Array(bytes[range.lowerBound..<expressionStart])
        body.reserveCapacity(range.count + 16 * (instructions.count / 8 + 1))
        /// Instructions from `index` up to and including the next `loop`.
        func segmentLength(from index: Int) -> Int {
            var end = index
            while end < instructions.count, instructions[end].kind != .loop { end += 1 }
            return min(end - index + 1, InterruptionInstrumenter.maximumCharge)
        }
        appendCharge(segmentLength(from: 0), to: &body)
        for (index, instruction) in instructions.enumerated() {
            switch instruction.kind {
            case .call(let function), .returnCall(let function), .refFunc(let function):
                body.append(bytes[instruction.range.lowerBound])
                body.appendLEB(remap(function))
            case .loop:
                body += bytes[instruction.range]
                appendCharge(segmentLength(from: index + 1), to: &body)
            case .other:
                body += bytes[instruction.range]
            }
        }
        return body
    }

    /// `budget -= charge; if budget < 0 { budget = check() }`
    private func appendCharge(_ charge: Int, to body: inout [UInt8]) {
        body.append(0x23)
        body.appendLEB(budgetGlobal)
        body.append(0x41)
        body.appendSignedLEB(Int32(charge))
        body.append(0x6B)  // i32.sub
        body.append(0x24)
        body.appendLEB(budgetGlobal)
        body.append(0x23)
        body.appendLEB(budgetGlobal)
        body += [0x41, 0x00, 0x48, 0x04, 0x40]  // i32.const 0, i32.lt_s, if (empty)
        body.append(0x10)
        body.appendLEB(checkFunction)
        body.append(0x24)
        body.appendLEB(budgetGlobal)
        body.append(0x0B)
    }
}

/// Tells the instructions the rewrite changes from the ones it copies.
private struct InstructionClassifier: AnyInstructionVisitor {
    typealias VisitorError = Never

    enum Kind: Equatable {
        case loop, call(UInt32), returnCall(UInt32), refFunc(UInt32), other
    }

    var binaryOffset = 0
    var kind = Kind.other

    mutating func visit(_ instruction: WasmParser.Instruction) {
        switch instruction {
        case .loop: kind = .loop
        case .call(let function): kind = .call(function)
        case .returnCall(let function): kind = .returnCall(function)
        case .refFunc(let function): kind = .refFunc(function)
        default: kind = .other
        }
    }
}

extension WasmBinaryReader {
    /// A value or reference type: one byte, or `ref`/`ref null` and a heap type.
    mutating func skipValueType() throws {
        let type = try byte()
        if type == 0x63 || type == 0x64 { try skipHeapType() }
    }

    /// A heap type: an abstract type byte or a type index (signed LEB128, 33 bits).
    mutating func skipHeapType() throws { try skipSigned(bits: 33) }

    /// Table or memory limits: flags, minimum, optional maximum and page size.
    mutating func skipLimits() throws {
        let flags = try byte()
        try skipSigned(bits: 64)  // minimum (an unsigned LEB128 has the same length rules)
        if flags & 0x01 != 0 { try skipSigned(bits: 64) }
        if flags & 0x08 != 0 { _ = try u32() }
    }
}
