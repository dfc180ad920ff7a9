/// A dynamically typed WIT value, like wasmtime's `Val`: lets a host call any export of any world
/// without generated code.
///
/// Records carry their field names; variants, enums and flags carry case names, so a value can be
/// checked against a ``WITType`` and printed without the type at hand.
public indirect enum WITValue: Hashable, Sendable {
    case bool(Bool)
    case s8(Int8), u8(UInt8), s16(Int16), u16(UInt16), s32(Int32), u32(UInt32), s64(Int64), u64(UInt64)
    case f32(Float), f64(Double)
    case char(Unicode.Scalar)
    case string(String)
    case list([WITValue])
    case record([Field])
    case tuple([WITValue])
    case variant(case: String, payload: WITValue?)
    case `enum`(String)
    case option(WITValue?)
    case ok(WITValue?)
    case err(WITValue?)
    case flags(Set<String>)
    /// A handle to a resource, as the host sees it (the plugin sees an index into its handle table).
    case resource(WITResource)

    /// A named field of a record value.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: WITValue

        public init(_ name: String, _ value: WITValue) {
            self.name = name
            self.value = value
        }
    }

    /// Builds a record value from `(name, value)` pairs, in declaration order.
    public static func record(_ fields: KeyValuePairs<String, WITValue>) -> WITValue {
        .record(fields.map { Field($0.key, $0.value) })
    }

    /// The value of the named field, when this is a record.
    public subscript(field name: String) -> WITValue? {
        guard case .record(let fields) = self else { return nil }
        return fields.first { $0.name == name }?.value
    }

    /// The string, when this is a string value.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The elements, when this is a list or tuple.
    public var elements: [WITValue]? {
        switch self {
        case .list(let values), .tuple(let values): return values
        default: return nil
        }
    }
}

extension WITValue: CustomStringConvertible {
    /// The value in WAVE-like text (`"hi"`, `[1, 2]`, `{name: "x"}`, `some(3)`, `ok`, `err("e")`).
    public var description: String {
        switch self {
        case .bool(let v): return String(v)
        case .s8(let v): return String(v)
        case .u8(let v): return String(v)
        case .s16(let v): return String(v)
        case .u16(let v): return String(v)
        case .s32(let v): return String(v)
        case .u32(let v): return String(v)
        case .s64(let v): return String(v)
        case .u64(let v): return String(v)
        case .f32(let v): return String(v)
        case .f64(let v): return String(v)
        case .char(let v): return "'\(String(v).debugDescription.dropFirst().dropLast())'"
        case .string(let v): return v.debugDescription
        case .list(let values): return "[\(values.map(\.description).joined(separator: ", "))]"
        case .record(let fields): return "{\(fields.map { "\($0.name): \($0.value)" }.joined(separator: ", "))}"
        case .tuple(let values): return "(\(values.map(\.description).joined(separator: ", ")))"
        case .variant(let name, let payload): return payload.map { "\(name)(\($0))" } ?? name
        case .enum(let name): return name
        case .option(let wrapped): return wrapped.map { "some(\($0))" } ?? "none"
        case .ok(let payload): return payload.map { "ok(\($0))" } ?? "ok"
        case .err(let payload): return payload.map { "err(\($0))" } ?? "err"
        case .flags(let set): return "{\(set.sorted().joined(separator: ", "))}"
        case .resource(let resource): return "<\(resource.type.name)>"
        }
    }
}
