/// Loading WIT values from, and storing them into, guest linear memory (`load` / `store` in the canonical ABI).
extension CanonicalContext {
    package func load(_ type: WITType, at pointer: Int) throws -> WITValue {
        let memory = try requireMemory()
        switch type {
        case .bool: return .bool(try memory.load(UInt8.self, at: pointer) != 0)
        case .s8: return .s8(Int8(bitPattern: try memory.load(UInt8.self, at: pointer)))
        case .u8: return .u8(try memory.load(UInt8.self, at: pointer))
        case .s16: return .s16(Int16(bitPattern: try memory.load(UInt16.self, at: pointer)))
        case .u16: return .u16(try memory.load(UInt16.self, at: pointer))
        case .s32: return .s32(Int32(bitPattern: try memory.load(UInt32.self, at: pointer)))
        case .u32: return .u32(try memory.load(UInt32.self, at: pointer))
        case .s64: return .s64(Int64(bitPattern: try memory.load(UInt64.self, at: pointer)))
        case .u64: return .u64(try memory.load(UInt64.self, at: pointer))
        case .f32: return .f32(Float(bitPattern: try memory.load(UInt32.self, at: pointer)))
        case .f64: return .f64(Double(bitPattern: try memory.load(UInt64.self, at: pointer)))
        case .char: return .char(try Self.char(try memory.load(UInt32.self, at: pointer)))
        case .string:
            return .string(try liftString(
                pointer: try memory.load(UInt32.self, at: pointer), length: try memory.load(UInt32.self, at: pointer + 4)))
        case .list(let element):
            return .list(try liftList(
                element, pointer: try memory.load(UInt32.self, at: pointer), count: try memory.load(UInt32.self, at: pointer + 4)))
        case .record(_, let fields):
            let offsets = CanonicalLayout.fieldOffsets(fields.map(\.type))
            return .record(try zip(fields, offsets).map { field, offset in
                WITValue.Field(field.name, try load(field.type, at: pointer + offset))
            })
        case .tuple(let elements):
            let offsets = CanonicalLayout.fieldOffsets(elements)
            return .tuple(try zip(elements, offsets).map { try load($0, at: pointer + $1) })
        case .flags(_, let names):
            let width = CanonicalLayout.flagsByteWidth(names.count).size
            var words: [UInt32] = []
            switch width {
            case 0: break
            case 1: words = [UInt32(try memory.load(UInt8.self, at: pointer))]
            case 2: words = [UInt32(try memory.load(UInt16.self, at: pointer))]
            default: words = try (0..<width / 4).map { try memory.load(UInt32.self, at: pointer + 4 * $0) }
            }
            return Self.flags(names, words: words)
        case .variant, .enum, .option, .result:
            let count = CanonicalLayout.caseCount(type)
            let discriminant: UInt32
            switch CanonicalLayout.discriminantSize(count) {
            case 1: discriminant = UInt32(try memory.load(UInt8.self, at: pointer))
            case 2: discriminant = UInt32(try memory.load(UInt16.self, at: pointer))
            default: discriminant = try memory.load(UInt32.self, at: pointer)
            }
            guard discriminant < count else { throw PlugboardError.badDiscriminant(discriminant, type: type, caseCount: count) }
            let payload = try CanonicalLayout.payload(of: type, case: Int(discriminant)).map {
                try load($0, at: pointer + CanonicalLayout.payloadOffset(type))
            }
            return Self.variantValue(type, case: Int(discriminant), payload: payload)
        case .own, .borrow:
            return try liftHandle(try memory.load(UInt32.self, at: pointer), as: type)
        case .unsupported(let what):
            throw PlugboardError.unsupportedType(what)
        }
    }

    package func store(_ value: WITValue, as type: WITType, at pointer: Int) throws {
        let memory = try requireMemory()
        switch (type, value) {
        case (.bool, .bool(let v)): try memory.store(UInt8(v ? 1 : 0), at: pointer)
        case (.s8, .s8(let v)): try memory.store(UInt8(bitPattern: v), at: pointer)
        case (.u8, .u8(let v)): try memory.store(v, at: pointer)
        case (.s16, .s16(let v)): try memory.store(UInt16(bitPattern: v), at: pointer)
        case (.u16, .u16(let v)): try memory.store(v, at: pointer)
        case (.s32, .s32(let v)): try memory.store(UInt32(bitPattern: v), at: pointer)
        case (.u32, .u32(let v)): try memory.store(v, at: pointer)
        case (.s64, .s64(let v)): try memory.store(UInt64(bitPattern: v), at: pointer)
        case (.u64, .u64(let v)): try memory.store(v, at: pointer)
        case (.f32, .f32(let v)): try memory.store(v.bitPattern, at: pointer)
        case (.f64, .f64(let v)): try memory.store(v.bitPattern, at: pointer)
        case (.char, .char(let v)): try memory.store(v.value, at: pointer)
        case (.string, .string(let string)):
            let (address, length) = try lowerString(string)
            try memory.store(address, at: pointer)
            try memory.store(length, at: pointer + 4)
        case (.list(let element), .list(let values)):
            let (address, count) = try lowerList(values, of: element)
            try memory.store(address, at: pointer)
            try memory.store(count, at: pointer + 4)
        case (.record(_, let fields), .record):
            let values = try Self.fieldValues(value, fields: fields, type: type)
            for (field, (fieldValue, offset)) in zip(fields, zip(values, CanonicalLayout.fieldOffsets(fields.map(\.type)))) {
                try store(fieldValue, as: field.type, at: pointer + offset)
            }
        case (.tuple(let elements), .tuple(let values)) where values.count == elements.count:
            for (element, (elementValue, offset)) in zip(elements, zip(values, CanonicalLayout.fieldOffsets(elements))) {
                try store(elementValue, as: element, at: pointer + offset)
            }
        case (.flags(_, let names), .flags(let set)):
            let words = try Self.flagWords(set, names: names, type: type)
            switch CanonicalLayout.flagsByteWidth(names.count).size {
            case 0: break
            case 1: try memory.store(UInt8(words[0]), at: pointer)
            case 2: try memory.store(UInt16(words[0]), at: pointer)
            default: for (index, word) in words.enumerated() { try memory.store(word, at: pointer + 4 * index) }
            }
        case (.variant, _), (.enum, _), (.option, _), (.result, _):
            let (index, payload, payloadType) = try Self.variantCase(of: value, as: type)
            switch CanonicalLayout.discriminantSize(CanonicalLayout.caseCount(type)) {
            case 1: try memory.store(UInt8(index), at: pointer)
            case 2: try memory.store(UInt16(index), at: pointer)
            default: try memory.store(UInt32(index), at: pointer)
            }
            if let payload, let payloadType {
                try store(payload, as: payloadType, at: pointer + CanonicalLayout.payloadOffset(type))
            }
        case (.own, _), (.borrow, _):
            try memory.store(try lowerHandle(value, as: type), at: pointer)
        case (.unsupported(let what), _):
            throw PlugboardError.unsupportedType(what)
        default:
            throw PlugboardError.typeMismatch(expected: type, got: value)
        }
    }

    // MARK: strings and lists

    package func liftString(pointer: UInt32, length: UInt32) throws -> String {
        try budget?.charge(Int(length), for: "a string of \(length) bytes")
        let memory = try requireMemory()
        try memory.checkRange(pointer, count: Int(length), "a string of \(length) bytes")
        if length == 0 { return "" }
        // One copy, straight from guest memory into the string's storage, validated on the way.
        let string = memory.withUnsafeBytes(offset: Int(pointer), count: Int(length)) { GuestText.string($0) }
        guard let string else { throw PlugboardError.invalidUTF8(pointer: pointer, length: length) }
        return string
    }

    package func lowerString(_ string: String) throws -> (pointer: UInt32, length: UInt32) {
        let length = string.utf8.count
        let pointer = try allocate(size: length, alignment: 1, for: "a string of \(length) bytes")
        if length == 0 { return (pointer, 0) }
        let memory = try requireMemory()
        var copy = string
        try copy.withUTF8 { bytes in try memory.write(bytes, at: pointer, "a string of \(length) bytes") }
        return (pointer, UInt32(length))
    }

    package func liftList(_ element: WITType, pointer: UInt32, count: UInt32) throws -> [WITValue] {
        let memory = try requireMemory()
        let elementSize = CanonicalLayout.size(element)
        func what() -> String { "a list<\(element)> of \(count) elements" }  // built only for an error
        // Each element becomes a WITValue, which costs the host far more than a small element's guest bytes.
        try budget?.charge(Int(count) * max(elementSize, LiftBudget.dynamicElementBytes), for: what())
        try memory.checkAlignment(pointer, CanonicalLayout.alignment(element), what())
        try memory.checkRange(pointer, count: Int(count) * elementSize, what())
        if elementSize == 0 && count > 1 << 20 { throw PlugboardError.valueTooLarge(what(), bytes: Int(count)) }
        if element == .u8 {
            return try memory.bytes(at: pointer, count: Int(count), what()).map(WITValue.u8)
        }
        return try (0..<Int(count)).map { try load(element, at: Int(pointer) + $0 * elementSize) }
    }

    package func lowerList(_ values: [WITValue], of element: WITType) throws -> (pointer: UInt32, count: UInt32) {
        let elementSize = CanonicalLayout.size(element)
        let (byteCount, overflow) = values.count.multipliedReportingOverflow(by: elementSize)
        func what() -> String { "a list<\(element)> of \(values.count) elements" }  // built only for an error
        guard !overflow, values.count <= UInt32.max else { throw PlugboardError.valueTooLarge(what(), bytes: Int.max) }
        let pointer = try allocate(size: byteCount, alignment: CanonicalLayout.alignment(element), for: what())
        for (index, value) in values.enumerated() {
            try store(value, as: element, at: Int(pointer) + index * elementSize)
        }
        return (pointer, UInt32(values.count))
    }

    // MARK: shared helpers for memory and flat forms

    package static func char(_ code: UInt32) throws -> Unicode.Scalar {
        guard let scalar = Unicode.Scalar(code) else { throw PlugboardError.badChar(code) }
        return scalar
    }

    package static func flags(_ names: [String], words: [UInt32]) -> WITValue {
        var set = Set<String>()
        for (index, name) in names.enumerated() where words[index / 32] & (1 << UInt32(index % 32)) != 0 {
            set.insert(name)
        }
        return .flags(set)
    }

    package static func flagWords(_ set: Set<String>, names: [String], type: WITType) throws -> [UInt32] {
        var words = [UInt32](repeating: 0, count: max(1, (names.count + 31) / 32))
        for name in set {
            guard let index = names.firstIndex(of: name) else { throw PlugboardError.typeMismatch(expected: type, got: .flags(set)) }
            words[index / 32] |= 1 << UInt32(index % 32)
        }
        return words
    }

    /// The field values of a record value in the type's field order, matched by name.
    package static func fieldValues(_ value: WITValue, fields: [WITField], type: WITType) throws -> [WITValue] {
        guard case .record(let given) = value, given.count == fields.count else {
            throw PlugboardError.typeMismatch(expected: type, got: value)
        }
        return try fields.map { field in
            guard let match = given.first(where: { $0.name == field.name }) else {
                throw PlugboardError.typeMismatch(expected: type, got: value)
            }
            return match.value
        }
    }

    /// Builds the value of case `index` of a variant-like type.
    package static func variantValue(_ type: WITType, case index: Int, payload: WITValue?) -> WITValue {
        switch type {
        case .variant(_, let cases): return .variant(case: cases[index].name, payload: payload)
        case .enum(_, let cases): return .enum(cases[index])
        case .option: return .option(index == 0 ? nil : payload)
        case .result: return index == 0 ? .ok(payload) : .err(payload)
        default: preconditionFailure("not a variant-like type: \(type)")
        }
    }

    /// The case index, payload and payload type a value selects in a variant-like type.
    package static func variantCase(of value: WITValue, as type: WITType) throws -> (Int, WITValue?, WITType?) {
        // Built only on failure: describing the value costs more than the lookup.
        var mismatch: PlugboardError { PlugboardError.typeMismatch(expected: type, got: value) }
        switch (type, value) {
        case (.variant(_, let cases), .variant(let name, let payload)):
            guard let index = cases.firstIndex(where: { $0.name == name }),
                (cases[index].payload == nil) == (payload == nil)
            else { throw mismatch }
            return (index, payload, cases[index].payload)
        case (.enum(_, let cases), .enum(let name)):
            guard let index = cases.firstIndex(of: name) else { throw mismatch }
            return (index, nil, nil)
        case (.option(let wrapped), .option(let payload)):
            return payload.map { (1, $0, wrapped) } ?? (0, nil, nil)
        case (.result(let ok, _), .ok(let payload)):
            guard (ok == nil) == (payload == nil) else { throw mismatch }
            return (0, payload, ok)
        case (.result(_, let error), .err(let payload)):
            guard (error == nil) == (payload == nil) else { throw mismatch }
            return (1, payload, error)
        default:
            throw mismatch
        }
    }
}
