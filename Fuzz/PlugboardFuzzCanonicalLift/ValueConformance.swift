import PlugboardABI

/// Whether a lifted value has the shape of the type it was lifted as: the same record fields in order, a case the
/// variant or enum has with the payload it declares, flags the type names. A value lifted without an error must.
enum ValueConformance {
    static func conforms(_ value: WITValue, to type: WITType) -> Bool {
        switch (type, value) {
        case (.bool, .bool), (.s8, .s8), (.u8, .u8), (.s16, .s16), (.u16, .u16), (.s32, .s32), (.u32, .u32), (.s64, .s64), (.u64, .u64),
            (.f32, .f32), (.f64, .f64), (.char, .char), (.string, .string):
            return true
        case (.list(let element), .list(let values)):
            return values.allSatisfy { conforms($0, to: element) }
        case (.record(_, let fields), .record(let given)):
            return fields.count == given.count && zip(fields, given).allSatisfy { $0.name == $1.name && conforms($1.value, to: $0.type) }
        case (.tuple(let elements), .tuple(let values)):
            return elements.count == values.count && zip(values, elements).allSatisfy { conforms($0, to: $1) }
        case (.variant(_, let cases), .variant(let name, let payload)):
            guard let match = cases.first(where: { $0.name == name }) else { return false }
            return self.payload(payload, matches: match.payload)
        case (.enum(_, let cases), .enum(let name)):
            return cases.contains(name)
        case (.option(let wrapped), .option(let payload)):
            return payload.map { conforms($0, to: wrapped) } ?? true
        case (.result(let ok, _), .ok(let payload)):
            return self.payload(payload, matches: ok)
        case (.result(_, let error), .err(let payload)):
            return self.payload(payload, matches: error)
        case (.flags(_, let names), .flags(let set)):
            return set.isSubset(of: names)
        case (.own(let resource), .resource(let held)), (.borrow(let resource), .resource(let held)):
            return held.type.matches(resource)
        default:
            return false
        }
    }

    private static func payload(_ payload: WITValue?, matches type: WITType?) -> Bool {
        switch (payload, type) {
        case (nil, nil): true
        case (let payload?, let type?): conforms(payload, to: type)
        default: false
        }
    }
}
