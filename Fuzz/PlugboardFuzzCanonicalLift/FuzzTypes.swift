import PlugboardABI
import PlugboardFuzzSupport

/// WIT types decoded from fuzz input, of every kind the canonical ABI lifts, in the shapes a component or a WIT
/// file can declare (records, variants and enums have at least one member), at most ``maxDepth`` deep and
/// ``maxWidth`` wide; variants and enums sometimes have more than 256 cases (a two-byte discriminant), flags up to
/// three words.
enum FuzzTypes {
    static let maxDepth = 4
    static let maxWidth = 6

    static func type(_ input: inout FuzzInput, depth: Int = 0) -> WITType {
        let leaves: [WITType] = [.bool, .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64, .f32, .f64, .char, .string]
        let kind = input.choose(depth >= maxDepth ? leaves.count : leaves.count + 10)
        if kind < leaves.count { return leaves[kind] }
        let inner = depth + 1
        switch kind - leaves.count {
        case 0: return .list(type(&input, depth: inner))
        case 1: return .list(.u8)  // the copy-in-one-piece path
        case 2:
            let count = 1 + input.choose(maxWidth)
            return .record(name: "record", fields: (0..<count).map { WITField("f\($0)", type(&input, depth: inner)) })
        case 3: return .tuple((0..<input.choose(maxWidth + 1)).map { _ in type(&input, depth: inner) })
        case 4:
            let count = caseCount(&input)
            return .variant(name: "variant", cases: (0..<count).map { index in
                // Payloads only on the first few cases, so a wide variant stays cheap to decode.
                WITCase("c\(index)", index < maxWidth && input.choose(2) == 1 ? type(&input, depth: inner) : nil)
            })
        case 5: return .enum(name: "enum", cases: (0..<caseCount(&input)).map { "e\($0)" })
        case 6: return .flags(name: "flags", flags: (0..<input.choose(97)).map { "g\($0)" })
        case 7: return .option(type(&input, depth: inner))
        case 8:
            let shape = input.choose(4)
            return .result(ok: shape & 1 == 1 ? type(&input, depth: inner) : nil, error: shape & 2 == 2 ? type(&input, depth: inner) : nil)
        default: return .tuple([])
        }
    }

    /// 1 to ``maxWidth`` + 2 cases, or (rarely) 255 to 300, across the one-to-two-byte discriminant boundary.
    static func caseCount(_ input: inout FuzzInput) -> Int {
        let choice = input.byte()
        return choice >= 0xF0 ? 255 + Int(choice - 0xF0) * 3 : 1 + Int(choice) % (maxWidth + 2)
    }
}
