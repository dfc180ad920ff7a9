/// A Swift type generated for a named WIT type (record, variant, enum, flags) or a resource (its `own` handle) by
/// ``SwiftHostBindgen``.
///
/// Generated bindings convert through ``WITValue``, so every call still goes through the one bounds-checked
/// canonical ABI that dynamic calls use.
public protocol WITValueConvertible: Sendable {
    /// The WIT type this Swift type represents.
    static var witType: WITType { get }
    /// Converts a dynamic value.
    /// - Throws: ``PlugboardError`` with code `typeMismatch` if the value does not have this type's shape.
    init(witValue: WITValue) throws
    /// The dynamic value.
    var witValue: WITValue { get }
}

// Checked conversions from dynamic values that generated bindings use. Each throws a `typeMismatch`
// ``PlugboardError`` naming the expected WIT type when the value has another shape.
extension WITValue {
    public func asBool() throws -> Bool {
        if case .bool(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "bool")
    }

    public func asS8() throws -> Int8 {
        if case .s8(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "s8")
    }

    public func asU8() throws -> UInt8 {
        if case .u8(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "u8")
    }

    public func asS16() throws -> Int16 {
        if case .s16(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "s16")
    }

    public func asU16() throws -> UInt16 {
        if case .u16(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "u16")
    }

    public func asS32() throws -> Int32 {
        if case .s32(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "s32")
    }

    public func asU32() throws -> UInt32 {
        if case .u32(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "u32")
    }

    public func asS64() throws -> Int64 {
        if case .s64(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "s64")
    }

    public func asU64() throws -> UInt64 {
        if case .u64(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "u64")
    }

    public func asF32() throws -> Float {
        if case .f32(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "f32")
    }

    public func asF64() throws -> Double {
        if case .f64(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "f64")
    }

    public func asChar() throws -> Unicode.Scalar {
        if case .char(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "char")
    }

    public func asString() throws -> String {
        if case .string(let value) = self { return value }
        throw Self.bindingMismatch(self, expected: "string")
    }

    /// The elements of a list, each converted by `element`.
    public func asList<T>(_ type: String, _ element: (WITValue) throws -> T) throws -> [T] {
        guard case .list(let values) = self else { throw Self.bindingMismatch(self, expected: type) }
        return try values.map(element)
    }

    /// An option's value converted by `wrapped`, or `nil` for `none`.
    public func asOption<T>(_ type: String, _ wrapped: (WITValue) throws -> T) throws -> T? {
        guard case .option(let value) = self else { throw Self.bindingMismatch(self, expected: type) }
        return try value.map(wrapped)
    }

    /// A tuple of exactly `count` elements, converted by `body`.
    public func asTuple<T>(_ type: String, count: Int, _ body: ([WITValue]) throws -> T) throws -> T {
        guard case .tuple(let values) = self, values.count == count else { throw Self.bindingMismatch(self, expected: type) }
        return try body(values)
    }

    /// A result, its payload (`nil` when absent) converted by `ok` or `err`.
    public func asResult<Ok, Err>(
        _ type: String, ok: (WITValue?) throws -> Ok, err: (WITValue?) throws -> Err
    ) throws -> WITResult<Ok, Err> {
        switch self {
        case .ok(let payload): return .ok(try ok(payload))
        case .err(let payload): return .err(try err(payload))
        default: throw Self.bindingMismatch(self, expected: type)
        }
    }

    /// A resource of `type` (compared by name, as handles are: ``WITResourceType/matches(_:)``).
    public func asResource(_ type: WITResourceType) throws -> WITResource {
        guard case .resource(let resource) = self, resource.type.matches(type) else { throw Self.bindingMismatch(self, expected: type.name) }
        return resource
    }

    /// The values of a record's fields, in the order of `fields`.
    public func asRecord(_ type: String, fields: [String]) throws -> [WITValue] {
        guard case .record(let given) = self else { throw Self.bindingMismatch(self, expected: type) }
        if given.count == fields.count, zip(given, fields).allSatisfy({ $0.name == $1 }) {
            return given.map(\.value)  // the canonical ABI lifts fields in declaration order
        }
        return try fields.map { name in
            guard let field = given.first(where: { $0.name == name }) else { throw Self.bindingMismatch(self, expected: type) }
            return field.value
        }
    }

    /// A variant's case name and payload.
    public func asVariant(_ type: String) throws -> (name: String, payload: WITValue?) {
        guard case .variant(let name, let payload) = self else { throw Self.bindingMismatch(self, expected: type) }
        return (name, payload)
    }

    /// An enum's case name.
    public func asEnum(_ type: String) throws -> String {
        guard case .enum(let name) = self else { throw Self.bindingMismatch(self, expected: type) }
        return name
    }

    /// The bits of a flags value: bit `i` is set when `names[i]` is.
    public func asFlags(_ type: String, names: [String]) throws -> UInt64 {
        guard case .flags(let set) = self else { throw Self.bindingMismatch(self, expected: type) }
        var bits: UInt64 = 0
        var matched = 0
        for (index, name) in names.enumerated() where set.contains(name) {
            bits |= 1 << UInt64(index)
            matched += 1
        }
        guard matched == set.count else { throw Self.bindingMismatch(self, expected: type) }
        return bits
    }

    /// A flags value with the names whose bits are set.
    public static func flags(bits: UInt64, names: [String]) -> WITValue {
        var set = Set<String>()
        for (index, name) in names.enumerated() where bits & (1 << UInt64(index)) != 0 { set.insert(name) }
        return .flags(set)
    }

    /// The payload of a case or result that must have one.
    public static func payload(_ value: WITValue?, of type: String) throws -> WITValue {
        guard let value else { throw PlugboardError.missingBindingPayload(of: type) }
        return value
    }

    /// Checks that a case or result that has no payload was given none.
    public static func noPayload(_ value: WITValue?, of type: String) throws {
        if let value { throw bindingMismatch(value, expected: "no payload for \(type)") }
    }

    /// `values` (a call's arguments or results), checked to hold exactly `count`.
    public static func values(_ values: [WITValue], count: Int, of function: String) throws -> [WITValue] {
        guard values.count == count else {
            throw PlugboardError.bindingValueCount(function: function, got: values.count, expected: count)
        }
        return values
    }

    /// The error for a value that a generated binding cannot convert: a variant or enum case it does not know,
    /// or a value of another shape.
    public static func bindingMismatch(_ value: WITValue, expected: String) -> PlugboardError {
        PlugboardError.unexpectedBindingValue(value, expected: expected)
    }
}

// These messages sit here rather than in PlugboardError+Messages.swift because only generated bindings raise them.
extension PlugboardError {
    package static func unexpectedBindingValue(_ value: WITValue, expected: String) -> PlugboardError {
        var text = value.description
        if text.count > 200 { text = String(text.prefix(200)) + "…" }
        return PlugboardError(
            .typeMismatch, "expected a \(expected) value, got \(text)",
            hint: "Regenerate the bindings from the WIT the plugin was built against (swift run plugboard bindgen --host swift)")
    }

    package static func missingBindingPayload(of type: String) -> PlugboardError {
        PlugboardError(.typeMismatch, "expected a payload for \(type), got none", hint: "Pass a value of the declared WIT type")
    }

    package static func bindingValueCount(function: String, got: Int, expected: Int) -> PlugboardError {
        PlugboardError(.typeMismatch, "\(function) got \(got) values where its signature has \(expected)", function: function)
    }
}
