/// A resolved WIT value type: everything the canonical ABI needs to lay out, lift and lower a value.
///
/// Named types (records, variants, enums, flags) keep their WIT name for error messages and code generation.
public indirect enum WITType: Hashable, Sendable {
    case bool
    case s8, u8, s16, u16, s32, u32, s64, u64
    case f32, f64
    case char
    case string
    case list(WITType)
    case record(name: String, fields: [WITField])
    case tuple([WITType])
    case variant(name: String, cases: [WITCase])
    case `enum`(name: String, cases: [String])
    case option(WITType)
    case result(ok: WITType?, error: WITType?)
    case flags(name: String, flags: [String])
    /// An owning handle to a resource: the receiver becomes responsible for dropping it.
    case own(WITResourceType)
    /// A handle lent for the duration of a call.
    case borrow(WITResourceType)
    /// A type Plugboard's canonical ABI does not support yet (resources, handles, futures, streams).
    /// Calling a function that uses it fails with a clear "unsupported" error.
    case unsupported(String)
}

/// One field of a WIT record.
public struct WITField: Hashable, Sendable {
    public var name: String
    public var type: WITType

    public init(_ name: String, _ type: WITType) {
        self.name = name
        self.type = type
    }
}

/// One case of a WIT variant, with an optional payload type.
public struct WITCase: Hashable, Sendable {
    public var name: String
    public var payload: WITType?

    public init(_ name: String, _ payload: WITType? = nil) {
        self.name = name
        self.payload = payload
    }
}

extension WITType: CustomStringConvertible {
    /// The type as it is spelled in WIT (`list<tuple<string, string>>`, `result<_, string>`, a record's name; an
    /// unnamed record, variant, enum or flags, as a component may declare one, by its structure).
    public var description: String {
        switch self {
        case .bool: "bool"
        case .s8: "s8"
        case .u8: "u8"
        case .s16: "s16"
        case .u16: "u16"
        case .s32: "s32"
        case .u32: "u32"
        case .s64: "s64"
        case .u64: "u64"
        case .f32: "f32"
        case .f64: "f64"
        case .char: "char"
        case .string: "string"
        case .list(let element): "list<\(element)>"
        case .record(let name, _), .variant(let name, _), .enum(let name, _), .flags(let name, _):
            name.isEmpty ? WITTypeDifference.spelled(self) : name
        case .tuple(let elements): "tuple<\(elements.map(\.description).joined(separator: ", "))>"
        case .option(let wrapped): "option<\(wrapped)>"
        case .result(let ok, let error):
            switch (ok, error) {
            case (nil, nil): "result"
            case (let ok?, nil): "result<\(ok)>"
            case (nil, let error?): "result<_, \(error)>"
            case (let ok?, let error?): "result<\(ok), \(error)>"
            }
        case .own(let resource): "own<\(resource.name)>"
        case .borrow(let resource): "borrow<\(resource.name)>"
        case .unsupported(let what): what
        }
    }

    /// The resource type of every handle (`own<T>` or `borrow<T>`) inside this type, depth first in declaration order.
    package var handles: [WITResourceType] {
        switch self {
        case .own(let resource), .borrow(let resource): [resource]
        case .list(let element), .option(let element): element.handles
        case .tuple(let elements): elements.flatMap(\.handles)
        case .record(_, let fields): fields.flatMap(\.type.handles)
        case .variant(_, let cases): cases.compactMap(\.payload).flatMap(\.handles)
        case .result(let ok, let error): [ok, error].compactMap { $0 }.flatMap(\.handles)
        default: []
        }
    }

    /// This type with `transform` applied to every resource type its handles name.
    package func mappingResources(_ transform: (WITResourceType) -> WITResourceType) -> WITType {
        switch self {
        case .own(let resource): .own(transform(resource))
        case .borrow(let resource): .borrow(transform(resource))
        case .list(let element): .list(element.mappingResources(transform))
        case .option(let element): .option(element.mappingResources(transform))
        case .record(let name, let fields): .record(name: name, fields: fields.map { WITField($0.name, $0.type.mappingResources(transform)) })
        case .tuple(let elements): .tuple(elements.map { $0.mappingResources(transform) })
        case .variant(let name, let cases):
            .variant(name: name, cases: cases.map { WITCase($0.name, $0.payload?.mappingResources(transform)) })
        case .result(let ok, let error): .result(ok: ok?.mappingResources(transform), error: error?.mappingResources(transform))
        default: self
        }
    }

    /// The first unsupported type inside this one, if any.
    package var firstUnsupported: String? {
        first { type in
            if case .unsupported(let what) = type { what } else { nil }
        }
    }

    /// What `match` says of the first type, this one or one inside it (depth first, in declaration order), it says
    /// anything of.
    private func first(_ match: (WITType) -> String?) -> String? {
        if let found = match(self) { return found }
        switch self {
        case .list(let element), .option(let element): return element.first(match)
        case .record(_, let fields): return Self.first(of: fields.map(\.type), match)
        case .tuple(let elements): return Self.first(of: elements, match)
        case .variant(_, let cases): return Self.first(of: cases.compactMap(\.payload), match)
        case .result(let ok, let error): return Self.first(of: [ok, error].compactMap { $0 }, match)
        default: return nil
        }
    }

    private static func first(of types: [WITType], _ match: (WITType) -> String?) -> String? {
        for type in types {
            if let found = type.first(match) { return found }
        }
        return nil
    }
}
