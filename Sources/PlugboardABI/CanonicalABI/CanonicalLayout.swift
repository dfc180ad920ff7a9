/// Sizes, alignments, discriminants and flattening of WIT types, as defined by the canonical ABI
/// (component-model `design/mvp/CanonicalABI.md`: `alignment`, `elem_size`, `flatten_type`).
package enum CanonicalLayout {
    /// The most core parameters a function passes directly; more are spilled to memory.
    package static let maxFlatParams = 16
    /// The most core results a function returns directly; more are returned through memory.
    package static let maxFlatResults = 1

    package static func alignment(_ type: WITType) -> Int {
        switch type {
        case .bool, .s8, .u8: return 1
        case .s16, .u16: return 2
        case .s32, .u32, .f32, .char: return 4
        case .s64, .u64, .f64: return 8
        case .string, .list: return 4
        case .record(_, let fields): return fields.map { alignment($0.type) }.max() ?? 1
        case .tuple(let elements): return elements.map(alignment).max() ?? 1
        case .flags(_, let flags): return flagsByteWidth(flags.count).alignment
        case .variant, .enum, .option, .result:
            return max(discriminantSize(caseCount(type)), maxCaseAlignment(of: type))
        case .own, .borrow, .unsupported: return 4
        }
    }

    package static func size(_ type: WITType) -> Int {
        switch type {
        case .bool, .s8, .u8: return 1
        case .s16, .u16: return 2
        case .s32, .u32, .f32, .char: return 4
        case .s64, .u64, .f64: return 8
        case .string, .list: return 8
        case .record(_, let fields): return recordSize(fields.map(\.type))
        case .tuple(let elements): return recordSize(elements)
        case .flags(_, let flags): return flagsByteWidth(flags.count).size
        case .variant, .enum, .option, .result:
            var size = alignTo(discriminantSize(caseCount(type)), maxCaseAlignment(of: type))
            size += maxPayloadSize(of: type)
            return alignTo(size, alignment(type))
        case .own, .borrow, .unsupported: return 4
        }
    }

    /// The byte offsets of a record's (or tuple's) fields.
    package static func fieldOffsets(_ types: [WITType]) -> [Int] {
        var offset = 0
        return types.map { type in
            offset = alignTo(offset, alignment(type))
            defer { offset += size(type) }
            return offset
        }
    }

    /// Where a variant's payload starts.
    package static func payloadOffset(_ type: WITType) -> Int {
        alignTo(discriminantSize(caseCount(type)), maxCaseAlignment(of: type))
    }

    /// The number of cases of a variant-like type (without building the payload list).
    package static func caseCount(_ type: WITType) -> Int {
        switch type {
        case .variant(_, let cases): return cases.count
        case .enum(_, let cases): return cases.count
        case .option, .result: return 2
        default: return 0
        }
    }

    /// The payload type of case `index` of a variant-like type.
    package static func payload(of type: WITType, case index: Int) -> WITType? {
        switch type {
        case .variant(_, let cases): return cases[index].payload
        case .option(let wrapped): return index == 1 ? wrapped : nil
        case .result(let ok, let error): return index == 0 ? ok : error
        default: return nil
        }
    }

    private static func maxCaseAlignment(of type: WITType) -> Int {
        var result = 1
        for index in 0..<caseCount(type) {
            if let payload = payload(of: type, case: index) { result = max(result, alignment(payload)) }
        }
        return result
    }

    private static func maxPayloadSize(of type: WITType) -> Int {
        var result = 0
        for index in 0..<caseCount(type) {
            if let payload = payload(of: type, case: index) { result = max(result, size(payload)) }
        }
        return result
    }

    /// How many core values a type flattens to (``flatten(_:)`` without building the list).
    package static func flatCount(_ type: WITType) -> Int {
        switch type {
        case .string, .list: return 2
        case .record(_, let fields): return fields.reduce(0) { $0 + flatCount($1.type) }
        case .tuple(let elements): return elements.reduce(0) { $0 + flatCount($1) }
        case .flags(_, let flags): return (flags.count + 31) / 32
        case .variant, .enum, .option, .result: return flatten(type).count
        default: return 1
        }
    }

    /// The core types a value of `type` flattens to.
    package static func flatten(_ type: WITType) -> [CoreType] {
        switch type {
        case .bool, .s8, .u8, .s16, .u16, .s32, .u32, .char: return [.i32]
        case .s64, .u64: return [.i64]
        case .f32: return [.f32]
        case .f64: return [.f64]
        case .string, .list: return [.i32, .i32]
        case .record(_, let fields): return fields.flatMap { flatten($0.type) }
        case .tuple(let elements): return elements.flatMap(flatten)
        case .flags(_, let flags): return Array(repeating: .i32, count: (flags.count + 31) / 32)
        case .variant, .enum, .option, .result:
            let (_, payloads) = variantShape(type)
            return [.i32] + joinedPayloadTypes(payloads)
        case .own, .borrow, .unsupported: return [.i32]
        }
    }

    /// The core types of the cases' payloads, joined slot by slot.
    package static func joinedPayloadTypes(_ payloads: [WITType?]) -> [CoreType] {
        var flat: [CoreType] = []
        for payload in payloads {
            guard let payload else { continue }
            for (index, type) in flatten(payload).enumerated() {
                if index < flat.count {
                    flat[index] = join(flat[index], type)
                } else {
                    flat.append(type)
                }
            }
        }
        return flat
    }

    package static func join(_ a: CoreType, _ b: CoreType) -> CoreType {
        if a == b { return a }
        if (a == .i32 && b == .f32) || (a == .f32 && b == .i32) { return .i32 }
        return .i64
    }

    /// Every variant-like type as (case count, payload per case).
    package static func variantShape(_ type: WITType) -> (count: Int, payloads: [WITType?]) {
        switch type {
        case .variant(_, let cases): return (cases.count, cases.map(\.payload))
        case .enum(_, let cases): return (cases.count, Array(repeating: nil, count: cases.count))
        case .option(let wrapped): return (2, [nil, wrapped])
        case .result(let ok, let error): return (2, [ok, error])
        default: return (0, [])
        }
    }

    /// The byte width of the discriminant for `count` cases: u8, u16 or u32.
    package static func discriminantSize(_ count: Int) -> Int {
        count <= 1 << 8 ? 1 : count <= 1 << 16 ? 2 : 4
    }

    package static func flagsByteWidth(_ count: Int) -> (size: Int, alignment: Int) {
        switch count {
        case 0: return (0, 1)
        case 1...8: return (1, 1)
        case 9...16: return (2, 2)
        default: return (4 * ((count + 31) / 32), 4)
        }
    }

    package static func maxCaseAlignment(_ payloads: [WITType?]) -> Int {
        payloads.compactMap { $0.map(alignment) }.max() ?? 1
    }

    package static func recordSize(_ types: [WITType]) -> Int {
        var size = 0
        for type in types {
            size = alignTo(size, alignment(type))
            size += self.size(type)
        }
        return alignTo(size, types.map(alignment).max() ?? 1)
    }

    package static func alignTo(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }

    /// The core signature a WIT function lowers to when a module exports it (`canon lift`):
    /// too many parameters become one pointer; a multi-value result becomes a returned pointer.
    package static func exportSignature(_ function: WITFunction) -> CoreSignature {
        let params = function.parameters.flatMap { flatten($0.type) }
        let results = function.results.flatMap(flatten)
        return CoreSignature(
            parameters: params.count > maxFlatParams ? [.i32] : params,
            results: results.count > maxFlatResults ? [.i32] : results)
    }

    /// The core signature a module imports a WIT function with (`canon lower`):
    /// a multi-value result is written through a pointer the caller passes last.
    package static func importSignature(_ function: WITFunction) -> CoreSignature {
        let params = function.parameters.flatMap { flatten($0.type) }
        let results = function.results.flatMap(flatten)
        var core = params.count > maxFlatParams ? [CoreType.i32] : params
        if results.count > maxFlatResults { core.append(.i32) }
        return CoreSignature(parameters: core, results: results.count > maxFlatResults ? [] : results)
    }
}
