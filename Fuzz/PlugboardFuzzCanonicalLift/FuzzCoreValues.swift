import PlugboardABI
import PlugboardFuzzSupport

/// Core values decoded from fuzz input, of the types asked for (an engine checks a function's types; the values
/// are the guest's to choose). An `i32` is often small, so pointers, lengths and discriminants land in memory and
/// in range, and sometimes near `UInt32.max`, where an unchecked `pointer + length` would wrap.
enum FuzzCoreValues {
    static func values(_ types: [CoreType], _ input: inout FuzzInput) -> [CoreValue] {
        types.map { value($0, &input) }
    }

    static func value(_ type: CoreType, _ input: inout FuzzInput) -> CoreValue {
        switch type {
        case .i32: .i32(i32(&input))
        case .i64: .i64(input.choose(2) == 0 ? UInt64(i32(&input)) : input.integer())
        case .f32: .f32(input.integer())
        case .f64: .f64(input.integer())
        }
    }

    static func i32(_ input: inout FuzzInput) -> UInt32 {
        let tag = input.byte()
        switch tag & 3 {
        case 0: return UInt32(tag >> 2)
        case 1: return UInt32(input.integer(UInt16.self))
        case 2: return input.integer()
        default: return UInt32.max - UInt32(tag >> 2)
        }
    }
}
