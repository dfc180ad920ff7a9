import PlugboardABI

/// Writes the Swift statements of typed canonical-ABI code: lowering Swift values straight into guest memory (or
/// flat core values) and lifting them straight out, for one WIT type at a time, with no ``WITValue`` in between.
///
/// Statements go to ``lines``; expressions are returned. Local names start with `_` (WIT identifiers never do), so
/// they cannot shadow a parameter. Named types call the helpers ``namedTypeHelpers(_:name:)`` declares for them;
/// handles go through ``CanonicalLowering/handle(_:as:)`` and ``CanonicalLifting/handle(_:as:)``, wrapped in their
/// resource's Swift type.
struct SwiftHostCanonicalCode {
    /// The Swift spelling of a type, and the name of a named type.
    let swiftType: (WITType) -> String
    private(set) var lines: [String] = []
    private var indent: Int
    private var counter = 0

    init(indent: Int, swiftType: @escaping (WITType) -> String) {
        self.indent = indent
        self.swiftType = swiftType
    }

    mutating func line(_ text: String) {
        lines.append(String(repeating: "    ", count: indent) + text)
    }

    private mutating func fresh() -> String {
        counter += 1
        return "_t\(counter)"
    }

    private mutating func nested(_ body: (inout SwiftHostCanonicalCode) -> Void) {
        indent += 1
        body(&self)
        indent -= 1
    }

    /// A type's description as a Swift literal (WIT type spellings hold no quotes or backslashes).
    private func literal(_ text: String) -> String { "\"\(text)\"" }

    /// The ``WITType`` expression of a handle type, naming the resource by its Swift type's `resourceType`.
    private func handleType(_ type: WITType) -> String {
        if case .borrow = type { return ".borrow(\(swiftType(type)).resourceType)" }
        return ".own(\(swiftType(type)).resourceType)"
    }

    // MARK: memory

    /// Stores `value` (a Swift expression of `type`) at address `address` with the lowering `l`.
    mutating func store(_ type: WITType, _ value: String, at address: String, l: String) {
        switch type {
        case .bool: line("try \(l).store(UInt8(\(value) ? 1 : 0), at: \(address))")
        case .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64: line("try \(l).store(\(value), at: \(address))")
        case .f32, .f64: line("try \(l).store(\(value).bitPattern, at: \(address))")
        case .char: line("try \(l).store(\(value).value, at: \(address))")
        case .string: line("try \(l).storeString(\(value), at: \(address))")
        case .list:
            let (pointer, count) = (fresh(), fresh())
            lowerList(type, value, into: (pointer, count), l: l)
            line("try \(l).store(\(pointer), at: \(address))")
            line("try \(l).store(\(count), at: \(address) + 4)")
        case .record, .variant, .enum, .flags:
            line("try \(value).canonicalStore(\(l), at: \(address))")
        case .tuple(let elements):
            if elements.count == 1 { return store(elements[0], value, at: address, l: l) }
            for (index, offset) in CanonicalLayout.fieldOffsets(elements).enumerated() {
                store(elements[index], "\(value).\(index)", at: "\(address) + \(offset)", l: l)
            }
        case .option, .result:
            storeCases(type, value, at: address, l: l)
        case .own, .borrow:
            line("try \(l).storeHandle(\(value).resource, as: \(handleType(type)), at: \(address))")
        case .unsupported:
            line("throw PlugboardError.unsupportedType(\(literal(type.description)))")
        }
    }

    /// Stores a variant-like value (option, result, variant, enum) by switching over its Swift cases.
    mutating func storeCases(_ type: WITType, _ value: String, at address: String, l: String) {
        let size = CanonicalLayout.discriminantSize(CanonicalLayout.caseCount(type))
        let payloadOffset = CanonicalLayout.payloadOffset(type)
        line("switch \(value) {")
        for (index, (pattern, payload)) in casePatterns(type).enumerated() {
            line("case \(pattern):")
            nested { code in
                code.line("try \(l).storeDiscriminant(\(index), size: \(size), at: \(address))")
                if let payload { code.store(payload, "_payload", at: "\(address) + \(payloadOffset)", l: l) }
            }
        }
        line("}")
    }

    /// Loads a value of `type` from `address` with the lifting `r`: an expression, after the statements it needs.
    mutating func load(_ type: WITType, at address: String, r: String) -> String {
        switch type {
        case .bool: return "(try \(r).load(UInt8.self, at: \(address)) != 0)"
        case .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64: return "try \(r).load(\(swiftType(type)).self, at: \(address))"
        case .f32: return "Float(bitPattern: try \(r).load(UInt32.self, at: \(address)))"
        case .f64: return "Double(bitPattern: try \(r).load(UInt64.self, at: \(address)))"
        case .char: return "try CanonicalLifting.char(try \(r).load(UInt32.self, at: \(address)))"
        case .string: return "try \(r).loadString(at: \(address))"
        case .list:
            return liftList(type, pointer: "try \(r).load(UInt32.self, at: \(address))", count: "try \(r).load(UInt32.self, at: \(address) + 4)", r: r)
        case .record, .variant, .enum, .flags:
            return "try \(swiftType(type)).canonicalLoad(\(r), at: \(address))"
        case .tuple(let elements):
            if elements.count == 1 { return load(elements[0], at: address, r: r) }
            var parts: [String] = []
            for (index, offset) in CanonicalLayout.fieldOffsets(elements).enumerated() {
                let name = fresh()
                line("let \(name) = \(load(elements[index], at: "\(address) + \(offset)", r: r))")
                parts.append(name)
            }
            return "(\(parts.joined(separator: ", ")))"
        case .option, .result:
            let size = CanonicalLayout.discriminantSize(CanonicalLayout.caseCount(type))
            let discriminant = "try \(r).loadDiscriminant(size: \(size), at: \(address), caseCount: \(CanonicalLayout.caseCount(type)), type: \(literal(type.description)))"
            return liftCases(type, discriminant: discriminant) { code, payload in
                code.load(payload, at: "\(address) + \(CanonicalLayout.payloadOffset(type))", r: r)
            }
        case .own, .borrow:
            return "try \(swiftType(type))(try \(r).loadHandle(at: \(address), as: \(handleType(type))))"
        case .unsupported:
            line("throw PlugboardError.unsupportedType(\(literal(type.description)))")
            return "fatalError()"
        }
    }

    // MARK: flat values

    /// Appends the flat core values of `value` to the `[CoreValue]` variable `flat`.
    mutating func lowerFlat(_ type: WITType, _ value: String, into flat: String, l: String) {
        switch type {
        case .bool: line("\(flat).append(.i32(\(value) ? 1 : 0))")
        case .s8, .s16: line("\(flat).append(.i32(UInt32(bitPattern: Int32(\(value)))))")
        case .u8, .u16: line("\(flat).append(.i32(UInt32(\(value))))")
        case .s32: line("\(flat).append(.i32(UInt32(bitPattern: \(value))))")
        case .u32: line("\(flat).append(.i32(\(value)))")
        case .s64: line("\(flat).append(.i64(UInt64(bitPattern: \(value))))")
        case .u64: line("\(flat).append(.i64(\(value)))")
        case .f32: line("\(flat).append(.f32(\(value).bitPattern))")
        case .f64: line("\(flat).append(.f64(\(value).bitPattern))")
        case .char: line("\(flat).append(.i32(\(value).value))")
        case .string:
            let (pointer, length) = (fresh(), fresh())
            line("let (\(pointer), \(length)) = try \(l).string(\(value))")
            line("\(flat).append(.i32(\(pointer)))")
            line("\(flat).append(.i32(\(length)))")
        case .list:
            let (pointer, count) = (fresh(), fresh())
            lowerList(type, value, into: (pointer, count), l: l)
            line("\(flat).append(.i32(\(pointer)))")
            line("\(flat).append(.i32(\(count)))")
        case .record, .variant, .enum, .flags:
            line("try \(value).canonicalLowerFlat(\(l), into: &\(flat))")
        case .tuple(let elements):
            if elements.count == 1 { return lowerFlat(elements[0], value, into: flat, l: l) }
            for (index, element) in elements.enumerated() { lowerFlat(element, "\(value).\(index)", into: flat, l: l) }
        case .option, .result:
            lowerFlatCases(type, value, into: flat, l: l)
        case .own, .borrow:
            line("\(flat).append(.i32(try \(l).handle(\(value).resource, as: \(handleType(type)))))")
        case .unsupported:
            line("throw PlugboardError.unsupportedType(\(literal(type.description)))")
        }
    }

    /// Appends a variant-like value's discriminant and joined payload slots.
    mutating func lowerFlatCases(_ type: WITType, _ value: String, into flat: String, l: String) {
        let joined = CanonicalLayout.joinedPayloadTypes(CanonicalLayout.variantShape(type).payloads)
        let joinedLiteral = "[\(joined.map { ".\($0)" }.joined(separator: ", "))]"
        line("switch \(value) {")
        for (index, (pattern, payload)) in casePatterns(type).enumerated() {
            line("case \(pattern):")
            nested { code in
                if let payload {
                    let values = code.fresh()
                    code.line("var \(values): [CoreValue] = []")
                    code.lowerFlat(payload, "_payload", into: values, l: l)
                    code.line("CanonicalLowering.appendCase(\(index), payload: \(values), joined: \(joinedLiteral), into: &\(flat))")
                } else {
                    code.line("CanonicalLowering.appendCase(\(index), payload: [], joined: \(joinedLiteral), into: &\(flat))")
                }
            }
        }
        line("}")
    }

    /// Lifts a value of `type` from the `FlatReader` variable `reader`: an expression, after its statements.
    mutating func liftFlat(_ type: WITType, from reader: String, r: String) -> String {
        switch type {
        case .bool: return "(try \(reader).nextI32() != 0)"
        case .s8: return "Int8(truncatingIfNeeded: Int32(bitPattern: try \(reader).nextI32()))"
        case .u8: return "UInt8(truncatingIfNeeded: try \(reader).nextI32())"
        case .s16: return "Int16(truncatingIfNeeded: Int32(bitPattern: try \(reader).nextI32()))"
        case .u16: return "UInt16(truncatingIfNeeded: try \(reader).nextI32())"
        case .s32: return "Int32(bitPattern: try \(reader).nextI32())"
        case .u32: return "try \(reader).nextI32()"
        case .s64: return "Int64(bitPattern: try \(reader).nextI64())"
        case .u64: return "try \(reader).nextI64()"
        case .f32: return "Float(bitPattern: try \(reader).nextF32())"
        case .f64: return "Double(bitPattern: try \(reader).nextF64())"
        case .char: return "try CanonicalLifting.char(try \(reader).nextI32())"
        case .string, .list:
            let (pointer, count) = (fresh(), fresh())
            line("let \(pointer) = try \(reader).nextI32()")
            line("let \(count) = try \(reader).nextI32()")
            if type == .string { return "try \(r).string(pointer: \(pointer), length: \(count))" }
            return liftList(type, pointer: pointer, count: count, r: r)
        case .record, .variant, .enum, .flags:
            return "try \(swiftType(type)).canonicalLiftFlat(\(r), from: &\(reader))"
        case .tuple(let elements):
            if elements.count == 1 { return liftFlat(elements[0], from: reader, r: r) }
            var parts: [String] = []
            for element in elements {
                let name = fresh()
                line("let \(name) = \(liftFlat(element, from: reader, r: r))")
                parts.append(name)
            }
            return "(\(parts.joined(separator: ", ")))"
        case .option, .result:
            return liftFlatCases(type, from: reader, r: r)
        case .own, .borrow:
            return "try \(swiftType(type))(try \(r).handle(try \(reader).nextI32(), as: \(handleType(type))))"
        case .unsupported:
            line("throw PlugboardError.unsupportedType(\(literal(type.description)))")
            return "fatalError()"
        }
    }

    /// Lifts a variant-like value from its discriminant and joined payload slots.
    mutating func liftFlatCases(_ type: WITType, from reader: String, r: String) -> String {
        let joinedCount = CanonicalLayout.joinedPayloadTypes(CanonicalLayout.variantShape(type).payloads).count
        let discriminant = fresh()
        let slots = fresh()
        line("let \(discriminant) = try CanonicalLifting.discriminant(try \(reader).nextI32(), caseCount: \(CanonicalLayout.caseCount(type)), type: \(literal(type.description)))")
        line("var \(slots) = try \(reader).take(\(joinedCount))")
        return liftCases(type, discriminant: discriminant) { code, payload in code.liftFlat(payload, from: slots, r: r) }
    }

    // MARK: lists and cases

    private mutating func lowerList(_ type: WITType, _ value: String, into names: (String, String), l: String) {
        guard case .list(let element) = type else { return }
        if element == .u8 {
            line("let (\(names.0), \(names.1)) = try \(l).bytes(\(value))")
            return
        }
        let (size, alignment) = (CanonicalLayout.size(element), CanonicalLayout.alignment(element))
        line("let (\(names.0), \(names.1)) = try \(l).list(\(value), elementSize: \(size), alignment: \(alignment), type: \(literal(type.description))) { (_element: \(swiftType(element)), _address: Int) throws in")
        nested { code in code.store(element, "_element", at: "_address", l: l) }
        line("}")
    }

    private mutating func liftList(_ type: WITType, pointer: String, count: String, r: String) -> String {
        guard case .list(let element) = type else { return "[]" }
        if element == .u8 { return "try \(r).bytes(pointer: \(pointer), count: \(count))" }
        let (size, alignment) = (CanonicalLayout.size(element), CanonicalLayout.alignment(element))
        let name = fresh()
        line("let \(name) = try \(r).list(pointer: \(pointer), count: \(count), elementSize: \(size), alignment: \(alignment), type: \(literal(type.description))) { (_address: Int) throws -> \(swiftType(element)) in")
        nested { code in
            let value = code.load(element, at: "_address", r: r)
            code.line("return \(value)")
        }
        line("}")
        return name
    }

    /// The Swift case patterns of a variant-like type, binding a payload as `_payload`, with each payload's type.
    private func casePatterns(_ type: WITType) -> [(String, WITType?)] {
        switch type {
        case .option(let wrapped): return [(".none", nil), (".some(let _payload)", wrapped)]
        case .result(let ok, let error):
            return [(ok == nil ? ".ok" : ".ok(let _payload)", ok), (error == nil ? ".err" : ".err(let _payload)", error)]
        default: return []
        }
    }

    /// A value built from `discriminant` (an `Int` expression), lifting the case's payload with `payload`.
    private mutating func liftCases(_ type: WITType, discriminant: String, payload lift: (inout SwiftHostCanonicalCode, WITType) -> String) -> String {
        let name = fresh()
        line("let \(name): \(swiftType(type))")
        switch type {
        case .option(let wrapped):
            line("if \(discriminant) == 0 {")
            nested { $0.line("\(name) = nil") }
            line("} else {")
            nested { code in code.line("\(name) = \(lift(&code, wrapped))") }
            line("}")
        case .result(let ok, let error):
            line("if \(discriminant) == 0 {")
            nested { code in code.line("\(name) = .ok(\(ok.map { lift(&code, $0) } ?? "()"))") }
            line("} else {")
            nested { code in code.line("\(name) = .err(\(error.map { lift(&code, $0) } ?? "()"))") }
            line("}")
        default:
            break
        }
        return name
    }
}

extension SwiftHostCanonicalCode {
    /// The helpers a named type's typed code calls: `canonicalStore`/`canonicalLoad` (memory) and
    /// `canonicalLowerFlat`/`canonicalLiftFlat` (flat values).
    static func namedTypeHelpers(_ type: WITType, name: String, caseIdentifiers: [String], swiftType: @escaping (WITType) -> String) -> [String] {
        var store = SwiftHostCanonicalCode(indent: 2, swiftType: swiftType)
        var load = SwiftHostCanonicalCode(indent: 2, swiftType: swiftType)
        var lower = SwiftHostCanonicalCode(indent: 2, swiftType: swiftType)
        var lift = SwiftHostCanonicalCode(indent: 2, swiftType: swiftType)
        let typeName = "\"\(type.description)\""
        switch type {
        case .record(_, let fields):
            let offsets = CanonicalLayout.fieldOffsets(fields.map(\.type))
            var loaded: [String] = []
            var lifted: [String] = []
            for (index, field) in fields.enumerated() {
                let id = caseIdentifiers[index]
                store.store(field.type, "self.\(id)", at: "_address + \(offsets[index])", l: "_l")
                loaded.append("\(id.trimmingBackticks): \(load.load(field.type, at: "_address + \(offsets[index])", r: "_r"))")
                lower.lowerFlat(field.type, "self.\(id)", into: "_flat", l: "_l")
                let liftedName = "_f\(index)"
                lift.line("let \(liftedName) = \(lift.liftFlat(field.type, from: "_reader", r: "_r"))")
                lifted.append("\(id.trimmingBackticks): \(liftedName)")
            }
            load.line("return \(name)(\(loaded.joined(separator: ", ")))")
            lift.line("return \(name)(\(lifted.joined(separator: ", ")))")
        case .variant(_, let cases):
            let size = CanonicalLayout.discriminantSize(cases.count)
            let payloadOffset = CanonicalLayout.payloadOffset(type)
            let joined = CanonicalLayout.joinedPayloadTypes(cases.map(\.payload))
            let joinedLiteral = "[\(joined.map { ".\($0)" }.joined(separator: ", "))]"
            store.line("switch self {")
            lower.line("switch self {")
            for (index, witCase) in cases.enumerated() {
                let id = caseIdentifiers[index]
                store.line("case .\(id)\(witCase.payload == nil ? "" : "(let _payload)"):")
                store.line("    try _l.storeDiscriminant(\(index), size: \(size), at: _address)")
                lower.line("case .\(id)\(witCase.payload == nil ? "" : "(let _payload)"):")
                if let payload = witCase.payload {
                    store.indent += 1
                    store.store(payload, "_payload", at: "_address + \(payloadOffset)", l: "_l")
                    store.indent -= 1
                    lower.line("    var _caseValues: [CoreValue] = []")
                    lower.indent += 1
                    lower.lowerFlat(payload, "_payload", into: "_caseValues", l: "_l")
                    lower.indent -= 1
                    lower.line("    CanonicalLowering.appendCase(\(index), payload: _caseValues, joined: \(joinedLiteral), into: &_flat)")
                } else {
                    lower.line("    CanonicalLowering.appendCase(\(index), payload: [], joined: \(joinedLiteral), into: &_flat)")
                }
            }
            store.line("}")
            lower.line("}")
            load.line("switch try _r.loadDiscriminant(size: \(size), at: _address, caseCount: \(cases.count), type: \(typeName)) {")
            lift.line("let _discriminant = try CanonicalLifting.discriminant(try _reader.nextI32(), caseCount: \(cases.count), type: \(typeName))")
            lift.line("var _slots = try _reader.take(\(joined.count))")
            lift.line("switch _discriminant {")
            for (index, witCase) in cases.enumerated() {
                let id = caseIdentifiers[index]
                let label = index == cases.count - 1 ? "default" : "case \(index)"
                load.line("\(label):")
                lift.line("\(label):")
                load.indent += 1
                lift.indent += 1
                if let payload = witCase.payload {
                    load.line("return .\(id)(\(load.load(payload, at: "_address + \(payloadOffset)", r: "_r")))")
                    lift.line("return .\(id)(\(lift.liftFlat(payload, from: "_slots", r: "_r")))")
                } else {
                    load.line("return .\(id)")
                    lift.line("return .\(id)")
                }
                load.indent -= 1
                lift.indent -= 1
            }
            load.line("}")
            lift.line("}")
        case .enum(_, let cases):
            let size = CanonicalLayout.discriminantSize(cases.count)
            store.line("try _l.storeDiscriminant(self.canonicalIndex, size: \(size), at: _address)")
            load.line("return Self.allCases[try _r.loadDiscriminant(size: \(size), at: _address, caseCount: \(cases.count), type: \(typeName))]")
            lower.line("_flat.append(.i32(UInt32(self.canonicalIndex)))")
            lift.line("return Self.allCases[try CanonicalLifting.discriminant(try _reader.nextI32(), caseCount: \(cases.count), type: \(typeName))]")
        case .flags(_, let flags):
            let (size, _) = CanonicalLayout.flagsByteWidth(flags.count)
            let raw = flags.count <= 32 ? "UInt32" : "UInt64"
            let mask = flags.count >= 64 ? "\(raw).max" : "\(raw)((1 as UInt64) << \(flags.count) - 1)"
            switch size {
            case 0:
                store.line("_ = _l")
                load.line("return Self(rawValue: 0)")
            case 1, 2:
                let width = size == 1 ? "UInt8" : "UInt16"
                store.line("try _l.store(\(width)(truncatingIfNeeded: self.rawValue), at: _address)")
                load.line("return Self(rawValue: \(raw)(try _r.load(\(width).self, at: _address)) & \(mask))")
            default:
                store.line("try _l.store(self.rawValue, at: _address)")
                load.line("return Self(rawValue: try _r.load(\(raw).self, at: _address) & \(mask))")
            }
            if flags.isEmpty {
                lower.line("_ = _l")
                lift.line("return Self(rawValue: 0)")
            } else if flags.count <= 32 {
                lower.line("_flat.append(.i32(self.rawValue))")
                lift.line("return Self(rawValue: try _reader.nextI32() & \(mask))")
            } else {
                lower.line("_flat.append(.i32(UInt32(truncatingIfNeeded: self.rawValue)))")
                lower.line("_flat.append(.i32(UInt32(truncatingIfNeeded: self.rawValue >> 32)))")
                lift.line("let _low = UInt64(try _reader.nextI32())")
                lift.line("return Self(rawValue: (_low | UInt64(try _reader.nextI32()) << 32) & \(mask))")
            }
        default:
            return []
        }
        var out = ["", "extension \(name) {"]
        if case .enum(_, let cases) = type {
            out.append("    /// The case's index in the WIT enum.")
            out.append("    var canonicalIndex: Int {")
            out.append("        switch self {")
            for (index, id) in caseIdentifiers.prefix(cases.count).enumerated() { out.append("        case .\(id): \(index)") }
            out.append("        }")
            out.append("    }")
            out.append("")
        }
        out.append("    func canonicalStore(_ _l: CanonicalLowering, at _address: Int) throws {")
        out += store.lines
        out.append("    }")
        out.append("")
        out.append("    static func canonicalLoad(_ _r: CanonicalLifting, at _address: Int) throws -> \(name) {")
        out += load.lines
        out.append("    }")
        out.append("")
        out.append("    func canonicalLowerFlat(_ _l: CanonicalLowering, into _flat: inout [CoreValue]) throws {")
        out += lower.lines
        out.append("    }")
        out.append("")
        out.append("    static func canonicalLiftFlat(_ _r: CanonicalLifting, from _reader: inout FlatReader) throws -> \(name) {")
        out += lift.lines
        out.append("    }")
        out.append("}")
        return out
    }
}

extension SwiftHostCanonicalCode {
    /// The body of a typed export call: `plugin.call(export) { call in … }` lowering `parameters` (Swift
    /// identifiers, in order) and lifting the results.
    /// - Parameter call: The statement's start, up to the call's arguments (`try await plugin.call`).
    static func exportCall(
        _ function: WITFunction, parameters: [String], export: String, swiftType: @escaping (WITType) -> String, returnType: String,
        call: String = "try await plugin.call"
    ) -> [String] {
        var code = SwiftHostCanonicalCode(indent: 3, swiftType: swiftType)
        let parameterTypes = function.parameters.map(\.type)
        let flatCount = parameterTypes.reduce(0) { $0 + CanonicalLayout.flatCount($1) }
        if flatCount > CanonicalLayout.maxFlatParams {
            let offsets = CanonicalLayout.fieldOffsets(parameterTypes)
            let tuple = WITType.tuple(parameterTypes)
            code.line("let _area = try _call.lowering.allocate(size: \(CanonicalLayout.size(tuple)), alignment: \(CanonicalLayout.alignment(tuple)))")
            for (index, type) in parameterTypes.enumerated() { code.store(type, parameters[index], at: "Int(_area) + \(offsets[index])", l: "_call.lowering") }
            code.line("let _results = try _call.invoke([.i32(_area)])")
        } else if flatCount == 0 {
            code.line("let _results = try _call.invoke([])")
        } else {
            code.line("var _flat: [CoreValue] = []")
            code.line("_flat.reserveCapacity(\(flatCount))")
            for (index, type) in parameterTypes.enumerated() { code.lowerFlat(type, parameters[index], into: "_flat", l: "_call.lowering") }
            code.line("let _results = try _call.invoke(_flat)")
        }
        let results = function.results
        if results.isEmpty {
            code.line("_ = _results")
        } else {
            let resultFlatCount = results.reduce(0) { $0 + CanonicalLayout.flatCount($1) }
            if resultFlatCount <= CanonicalLayout.maxFlatResults {
                code.line("return try _call.withResults(_results) { (_reader: inout FlatReader) throws -> \(returnType) in")
                code.indent += 1
                let values = results.map { code.liftFlat($0, from: "_reader", r: "_call.lifting") }
                code.line("return \(values.count == 1 ? values[0] : "(\(values.joined(separator: ", ")))")")
                code.indent -= 1
                code.line("}")
            } else {
                let tuple = WITType.tuple(results)
                code.line("let _address = try _call.resultArea(_results, size: \(CanonicalLayout.size(tuple)), alignment: \(CanonicalLayout.alignment(tuple)))")
                let offsets = CanonicalLayout.fieldOffsets(results)
                var values: [String] = []
                for (index, type) in results.enumerated() {
                    let name = "_v\(index)"
                    code.line("let \(name) = \(code.load(type, at: "_address + \(offsets[index])", r: "_call.lifting"))")
                    values.append(name)
                }
                code.line("return \(values.count == 1 ? values[0] : "(\(values.joined(separator: ", ")))")")
            }
        }
        return ["        \(call)(\(export)) { (_call: ExportCall) throws -> \(returnType) in"] + code.lines + ["        }"]
    }

    /// The `lowered:` closure of a host function served by typed bindings: lifts the arguments, calls `method`
    /// (a Swift call expression taking the lifted arguments, in order, as `_a0`, `_a1`, …), lowers its results.
    static func importCall(_ function: WITFunction, call: String, swiftType: @escaping (WITType) -> String) -> [String] {
        var code = SwiftHostCanonicalCode(indent: 5, swiftType: swiftType)
        let parameterTypes = function.parameters.map(\.type)
        let flatCount = parameterTypes.reduce(0) { $0 + CanonicalLayout.flatCount($1) }
        if flatCount > CanonicalLayout.maxFlatParams {
            let tuple = WITType.tuple(parameterTypes)
            code.line("let _area = try _call.parameterArea(size: \(CanonicalLayout.size(tuple)), alignment: \(CanonicalLayout.alignment(tuple)))")
            for (index, offset) in CanonicalLayout.fieldOffsets(parameterTypes).enumerated() {
                code.line("let _a\(index) = \(code.load(parameterTypes[index], at: "_area + \(offset)", r: "_call.lifting"))")
            }
        } else if !parameterTypes.isEmpty {
            code.line("var _arguments = _call.arguments")
            for (index, type) in parameterTypes.enumerated() {
                code.line("let _a\(index) = \(code.liftFlat(type, from: "_arguments", r: "_call.lifting"))")
            }
            code.line("_call.arguments = _arguments")
        }
        let results = function.results
        if results.isEmpty {
            code.line("\(call)")
            code.line("return nil")
        } else {
            code.line("let _result = \(call)")
                let resultFlatCount = results.reduce(0) { $0 + CanonicalLayout.flatCount($1) }
            let values = results.count == 1 ? ["_result"] : results.indices.map { "_result.\($0)" }
            if resultFlatCount <= CanonicalLayout.maxFlatResults {
                code.line("var _flat: [CoreValue] = []")
                for (type, value) in zip(results, values) { code.lowerFlat(type, value, into: "_flat", l: "_call.lowering") }
                code.line("return _flat.first")
            } else {
                let tuple = WITType.tuple(results)
                code.line("let _address = try _call.returnArea(size: \(CanonicalLayout.size(tuple)), alignment: \(CanonicalLayout.alignment(tuple)))")
                for (index, offset) in CanonicalLayout.fieldOffsets(results).enumerated() {
                    code.store(results[index], values[index], at: "_address + \(offset)", l: "_call.lowering")
                }
                code.line("return nil")
            }
        }
        return code.lines
    }
}
