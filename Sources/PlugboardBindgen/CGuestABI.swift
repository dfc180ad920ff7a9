import PlugboardABI
/// The canonical-ABI C code of ``CGuestBindgen``: per-type load/store helpers working on canonical memory at
/// offsets computed from ``CanonicalLayout`` (never from C struct layout), and the flat lifting/lowering of
/// arguments and results.
///
/// Conventions of the generated code:
/// - `abi_load_X(mem, out)` lifts a value from canonical memory and takes ownership of what it points at (a list
///   that had to be converted element by element has its canonical buffer freed).
/// - `abi_store_X(v, mem, allocs)` lowers a value into canonical memory, borrowing what it points at; buffers it
///   has to allocate (lists converted element by element) are recorded in `allocs` for the caller to free.
package struct CGuestABI {
    package let types: CGuestTypes
    /// A counter for unique temporaries in one function body.
    private var temporaries = 0

    package init(types: CGuestTypes) { self.types = types }

    // MARK: memory

    /// A statement storing `value` (a C lvalue of `type`) at `mem`.
    package func store(_ type: WITType, value: String, mem: String, allocs: String) -> String {
        switch type {
        case .bool: "abi_store_u8(\(mem), \(value) ? 1 : 0);"
        case .s8, .u8: "abi_store_u8(\(mem), (uint8_t)\(value));"
        case .s16, .u16: "abi_store_u16(\(mem), (uint16_t)\(value));"
        case .s32, .u32, .char: "abi_store_u32(\(mem), (uint32_t)\(value));"
        case .s64, .u64: "abi_store_u64(\(mem), (uint64_t)\(value));"
        case .f32: "abi_store_f32(\(mem), \(value));"
        case .f64: "abi_store_f64(\(mem), \(value));"
        case .enum, .flags:
            switch CanonicalLayout.size(type) {
            case 0: "/* no flags */"
            case 1: "abi_store_u8(\(mem), (uint8_t)\(value));"
            case 2: "abi_store_u16(\(mem), (uint16_t)\(value));"
            default: "abi_store_u32(\(mem), (uint32_t)\(value));"
            }
        case .own, .borrow: "abi_store_u32(\(mem), (uint32_t)\(handleValue(type, value)));"
        default: "abi_store_\(CGuestTypes.fragment(type))(&\(value), \(mem), \(allocs));"
        }
    }

    /// A statement loading a value of `type` from `mem` into `target` (a C lvalue).
    package func load(_ type: WITType, mem: String, into target: String) -> String {
        switch type {
        case .bool: "\(target) = abi_load_u8(\(mem)) != 0;"
        case .s8: "\(target) = (int8_t)abi_load_u8(\(mem));"
        case .u8: "\(target) = abi_load_u8(\(mem));"
        case .s16: "\(target) = (int16_t)abi_load_u16(\(mem));"
        case .u16: "\(target) = abi_load_u16(\(mem));"
        case .s32: "\(target) = (int32_t)abi_load_u32(\(mem));"
        case .u32, .char: "\(target) = abi_load_u32(\(mem));"
        case .s64: "\(target) = (int64_t)abi_load_u64(\(mem));"
        case .u64: "\(target) = abi_load_u64(\(mem));"
        case .f32: "\(target) = abi_load_f32(\(mem));"
        case .f64: "\(target) = abi_load_f64(\(mem));"
        case .enum, .flags:
            switch CanonicalLayout.size(type) {
            case 0: "\(target) = 0;"
            case 1: "\(target) = abi_load_u8(\(mem));"
            case 2: "\(target) = abi_load_u16(\(mem));"
            default: "\(target) = abi_load_u32(\(mem));"
            }
        case .own, .borrow: setHandle(type, target, to: "(int32_t)abi_load_u32(\(mem))")
        default: "abi_load_\(CGuestTypes.fragment(type))(\(mem), &\(target));"
        }
    }

    /// The i32 a handle value (a C lvalue of `type`) crosses as: its handle, or for a borrow of a resource the
    /// plugin implements, its representation (the plugin's pointer).
    package func handleValue(_ type: WITType, _ value: String) -> String {
        types.resources.isRepresentation(type) ? "(int32_t)(uintptr_t)\(value)" : "\(value).__handle"
    }

    /// A statement setting `target` (a C lvalue of handle type `type`) from the i32 expression `value`.
    package func setHandle(_ type: WITType, _ target: String, to value: String) -> String {
        types.resources.isRepresentation(type) ? "\(target) = (\(types.cType(type)))(uintptr_t)\(value);" : "\(target).__handle = \(value);"
    }

    package static func at(_ mem: String, _ offset: Int) -> String { offset == 0 ? mem : "\(mem) + \(offset)" }

    /// The static load/store helpers of one registered type.
    package func helpers(_ type: WITType) -> [String] {
        let fragment = CGuestTypes.fragment(type)
        let cType = types.cType(type)
        var storeBody: [String] = []
        var loadBody: [String] = []
        var extra: [String] = []
        switch type {
        case .string:
            storeBody = ["abi_store_u32(mem, (uint32_t)(uintptr_t)v->ptr);", "abi_store_u32(mem + 4, (uint32_t)v->len);"]
            loadBody = ["out->ptr = (uint8_t *)(uintptr_t)abi_load_u32(mem);", "out->len = abi_load_u32(mem + 4);"]
        case .list(let element):
            let elementType = types.cType(element)
            let size = CanonicalLayout.size(element)
            let alignment = CanonicalLayout.alignment(element)
            extra.append("/* \(type): elements of \(size) bytes, alignment \(alignment). */")
            if CGuestTypes.isPlain(element) {
                extra += [
                    "static void abi_lift_\(fragment)(uint8_t *ptr, size_t len, \(cType) *out) {",
                    "    out->ptr = (\(elementType) *)ptr;",
                    "    out->len = len;",
                    "}",
                    "static uint8_t *abi_lower_\(fragment)(const \(cType) *v, abi_allocs_t *allocs) {",
                    "    (void)allocs;",
                    "    return (uint8_t *)v->ptr;",
                    "}",
                ]
            } else {
                extra += [
                    "static void abi_lift_\(fragment)(uint8_t *ptr, size_t len, \(cType) *out) {",
                    "    out->len = len;",
                    "    out->ptr = len > 0 ? abi_malloc(len * sizeof(\(elementType))) : NULL;",
                    "    for (size_t i = 0; i < len; i++)",
                    "        \(load(element, mem: "ptr + i * \(size)", into: "out->ptr[i]"))",
                    "    if (len > 0) free(ptr);",
                    "}",
                    "static uint8_t *abi_lower_\(fragment)(const \(cType) *v, abi_allocs_t *allocs) {",
                    "    if (v->len == 0) return (uint8_t *)(uintptr_t)\(alignment);",
                    "    uint8_t *mem = abi_alloc(allocs, v->len * \(size));",
                    "    for (size_t i = 0; i < v->len; i++)",
                    "        \(store(element, value: "v->ptr[i]", mem: "mem + i * \(size)", allocs: "allocs"))",
                    "    return mem;",
                    "}",
                ]
            }
            storeBody = [
                "abi_store_u32(mem, (uint32_t)(uintptr_t)abi_lower_\(fragment)(v, allocs));",
                "abi_store_u32(mem + 4, (uint32_t)v->len);",
            ]
            loadBody = ["abi_lift_\(fragment)((uint8_t *)(uintptr_t)abi_load_u32(mem), abi_load_u32(mem + 4), out);"]
        case .record(_, let fields):
            let offsets = CanonicalLayout.fieldOffsets(fields.map(\.type))
            for (field, offset) in zip(fields, offsets) {
                let member = CGuestTypes.identifier(field.name)
                storeBody.append(store(field.type, value: "v->\(member)", mem: Self.at("mem", offset), allocs: "allocs"))
                loadBody.append(load(field.type, mem: Self.at("mem", offset), into: "out->\(member)"))
            }
        case .tuple(let elements):
            let offsets = CanonicalLayout.fieldOffsets(elements)
            for (index, (element, offset)) in zip(elements, offsets).enumerated() {
                storeBody.append(store(element, value: "v->f\(index)", mem: Self.at("mem", offset), allocs: "allocs"))
                loadBody.append(load(element, mem: Self.at("mem", offset), into: "out->f\(index)"))
            }
        case .variant, .option, .result:
            let (count, payloads) = CanonicalLayout.variantShape(type)
            let payloadOffset = CanonicalLayout.payloadOffset(type)
            let discriminant: WITType = CanonicalLayout.discriminantSize(count) == 1 ? .u8 : CanonicalLayout.discriminantSize(count) == 2 ? .u16 : .u32
            let tag = Self.tagField(type)
            storeBody.append(store(discriminant, value: "v->\(tag)", mem: "mem", allocs: "allocs"))
            loadBody.append(load(discriminant, mem: "mem", into: "out->\(tag)"))
            if case .option = type {
                loadBody[0] = "out->is_some = abi_load_u8(mem) != 0;"
            } else if case .result = type {
                loadBody[0] = "out->is_err = abi_load_u8(mem) != 0;"
            }
            if payloads.contains(where: { $0 != nil }) {
                let cast = tag == "tag" ? "" : "(int)"
                storeBody.append("switch (\(cast)v->\(tag)) {")
                loadBody.append("switch (\(cast)out->\(tag)) {")
                for (index, payload) in payloads.enumerated() {
                    guard let payload else { continue }
                    let member = Self.payloadMember(type, index)
                    storeBody.append("case \(index): \(store(payload, value: "v->\(member)", mem: Self.at("mem", payloadOffset), allocs: "allocs")) break;")
                    loadBody.append("case \(index): \(load(payload, mem: Self.at("mem", payloadOffset), into: "out->\(member)")) break;")
                }
                storeBody += ["default: break;", "}"]
                loadBody += ["default: break;", "}"]
            }
        default:
            return []  // enums and flags are stored inline as integers
        }
        let size = CanonicalLayout.size(type)
        let alignment = CanonicalLayout.alignment(type)
        return extra + [
            "/* \(type): \(size) bytes, alignment \(alignment). */",
            "static void abi_store_\(fragment)(const \(cType) *v, uint8_t *mem, abi_allocs_t *allocs) {",
            "    (void)allocs;",
        ] + storeBody.map { "    " + $0 } + [
            "}",
            "static void abi_load_\(fragment)(const uint8_t *mem, \(cType) *out) {",
        ] + loadBody.map { "    " + $0 } + ["}"]
    }

    /// The C field holding a variant-like type's discriminant.
    package static func tagField(_ type: WITType) -> String {
        switch type {
        case .option: "is_some"
        case .result: "is_err"
        default: "tag"
        }
    }

    /// The C member holding case `index`'s payload.
    package static func payloadMember(_ type: WITType, _ index: Int) -> String {
        switch type {
        case .option: "val"
        case .result: index == 0 ? "val.ok" : "val.err"
        case .variant(_, let cases): "val.\(CGuestTypes.caseMember(cases[index].name))"
        default: "val"
        }
    }

    // MARK: flat values

    package static func coreCType(_ type: CoreType) -> String {
        switch type {
        case .i32: "int32_t"
        case .i64: "int64_t"
        case .f32: "float"
        case .f64: "double"
        }
    }

    /// A flat operand of joined type `joined` read as the case's own type `wanted` (canonical ABI `lift_flat_variant`).
    package static func narrow(_ operand: String, from joined: CoreType, to wanted: CoreType) -> String {
        switch (joined, wanted) {
        case (let a, let b) where a == b: operand
        case (.i32, .f32): "abi_i32_to_f32(\(operand))"
        case (.i64, .i32): "(int32_t)\(operand)"
        case (.i64, .f32): "abi_i32_to_f32((int32_t)\(operand))"
        case (.i64, .f64): "abi_i64_to_f64(\(operand))"
        default: operand
        }
    }

    /// A case's flat value of type `have` widened to the joined slot type `joined` (canonical ABI `lower_flat_variant`).
    package static func widen(_ operand: String, from have: CoreType, to joined: CoreType) -> String {
        switch (have, joined) {
        case (let a, let b) where a == b: operand
        case (.f32, .i32): "abi_f32_to_i32(\(operand))"
        case (.i32, .i64): "(int64_t)(uint32_t)\(operand)"
        case (.f32, .i64): "(int64_t)(uint32_t)abi_f32_to_i32(\(operand))"
        case (.f64, .i64): "abi_f64_to_i64(\(operand))"
        default: operand
        }
    }

    /// Statements setting `target` (a C lvalue of `type`) from flat core operands (C expressions of exactly
    /// `CanonicalLayout.flatten(type)`'s types). Lifting takes ownership, like ``load(_:mem:into:)``.
    package func liftFlat(_ type: WITType, _ operands: ArraySlice<String>, into target: String) -> [String] {
        let first = operands.first ?? "0"
        switch type {
        case .bool: return ["\(target) = \(first) != 0;"]
        case .s8, .u8, .s16, .u16, .s32, .u32, .char, .s64, .u64, .enum:
            return ["\(target) = (\(types.cType(type)))\(first);"]
        case .own, .borrow:
            return [setHandle(type, target, to: first)]
        case .flags(_, let flags):
            return flags.isEmpty ? ["\(target) = 0;"] : ["\(target) = (\(types.cType(type)))\(first);"]
        case .f32, .f64: return ["\(target) = \(first);"]
        case .string:
            let length = operands[operands.startIndex + 1]
            return ["\(target).ptr = (uint8_t *)(uintptr_t)\(first);", "\(target).len = (uint32_t)\(length);"]
        case .list:
            let length = operands[operands.startIndex + 1]
            return ["abi_lift_\(CGuestTypes.fragment(type))((uint8_t *)(uintptr_t)\(first), (uint32_t)\(length), &\(target));"]
        case .record(_, let fields):
            var lines: [String] = []
            var rest = operands
            for field in fields {
                let count = CanonicalLayout.flatten(field.type).count
                lines += liftFlat(field.type, rest.prefix(count), into: "\(target).\(CGuestTypes.identifier(field.name))")
                rest = rest.dropFirst(count)
            }
            return lines
        case .tuple(let elements):
            var lines: [String] = []
            var rest = operands
            for (index, element) in elements.enumerated() {
                let count = CanonicalLayout.flatten(element).count
                lines += liftFlat(element, rest.prefix(count), into: "\(target).f\(index)")
                rest = rest.dropFirst(count)
            }
            return lines
        case .variant, .option, .result:
            let (_, payloads) = CanonicalLayout.variantShape(type)
            let joined = CanonicalLayout.joinedPayloadTypes(payloads)
            let slots = Array(operands.dropFirst())
            let tag = Self.tagField(type)
            var lines = [tag == "tag" ? "\(target).tag = (\(Self.variantTagType(type)))\(first);" : "\(target).\(tag) = \(first) != 0;"]
            guard payloads.contains(where: { $0 != nil }) else { return lines }
            lines.append("switch (\(first)) {")
            for (index, payload) in payloads.enumerated() {
                guard let payload else { continue }
                let flat = CanonicalLayout.flatten(payload)
                let narrowed = flat.enumerated().map { Self.narrow(slots[$0], from: joined[$0], to: $1) }
                lines.append("case \(index): {")
                lines += liftFlat(payload, narrowed[...], into: "\(target).\(Self.payloadMember(type, index))").map { "    " + $0 }
                lines.append("    break;")
                lines.append("}")
            }
            lines += ["default: break;", "}"]
            return lines
        case .unsupported:
            return []
        }
    }

    package static func variantTagType(_ type: WITType) -> String {
        CGuestTypes.discriminantType(caseCount: CanonicalLayout.variantShape(type).count)
    }

    /// Statements setting the core variables `variables` (declared with `CanonicalLayout.flatten(type)`'s types,
    /// initialized to 0) from `source`, a C lvalue of `type`. Lowering borrows, like ``store(_:value:mem:allocs:)``.
    package mutating func lowerFlat(_ type: WITType, _ source: String, into variables: ArraySlice<String>, allocs: String) -> [String] {
        let first = variables.first ?? "(void)0"
        switch type {
        case .bool: return ["\(first) = \(source) ? 1 : 0;"]
        case .s8, .u8, .s16, .u16, .s32, .u32, .char, .enum: return ["\(first) = (int32_t)\(source);"]
        case .own, .borrow: return ["\(first) = \(handleValue(type, source));"]
        case .flags(_, let flags): return flags.isEmpty ? [] : ["\(first) = (int32_t)\(source);"]
        case .s64, .u64: return ["\(first) = (int64_t)\(source);"]
        case .f32, .f64: return ["\(first) = \(source);"]
        case .string:
            let length = variables[variables.startIndex + 1]
            return ["\(first) = (int32_t)(uintptr_t)\(source).ptr;", "\(length) = (int32_t)\(source).len;"]
        case .list:
            let length = variables[variables.startIndex + 1]
            return [
                "\(first) = (int32_t)(uintptr_t)abi_lower_\(CGuestTypes.fragment(type))(&\(source), \(allocs));",
                "\(length) = (int32_t)\(source).len;",
            ]
        case .record(_, let fields):
            var lines: [String] = []
            var rest = variables
            for field in fields {
                let count = CanonicalLayout.flatten(field.type).count
                lines += lowerFlat(field.type, "\(source).\(CGuestTypes.identifier(field.name))", into: rest.prefix(count), allocs: allocs)
                rest = rest.dropFirst(count)
            }
            return lines
        case .tuple(let elements):
            var lines: [String] = []
            var rest = variables
            for (index, element) in elements.enumerated() {
                let count = CanonicalLayout.flatten(element).count
                lines += lowerFlat(element, "\(source).f\(index)", into: rest.prefix(count), allocs: allocs)
                rest = rest.dropFirst(count)
            }
            return lines
        case .variant, .option, .result:
            let (_, payloads) = CanonicalLayout.variantShape(type)
            let joined = CanonicalLayout.joinedPayloadTypes(payloads)
            let slots = Array(variables.dropFirst())
            let tag = "\(source).\(Self.tagField(type))"
            var lines = ["\(first) = (int32_t)\(tag);"]
            guard payloads.contains(where: { $0 != nil }) else { return lines }
            lines.append("switch (\(Self.tagField(type) == "tag" ? "" : "(int)")\(tag)) {")
            for (index, payload) in payloads.enumerated() {
                guard let payload else { continue }
                let flat = CanonicalLayout.flatten(payload)
                let temporaries = flat.map { _ in nextTemporary() }
                lines.append("case \(index): {")
                for (name, core) in zip(temporaries, flat) {
                    lines.append("    \(Self.coreCType(core)) \(name) = 0;")
                }
                lines += lowerFlat(payload, "\(source).\(Self.payloadMember(type, index))", into: temporaries[...], allocs: allocs).map { "    " + $0 }
                for (slot, (name, core)) in zip(temporaries, flat).enumerated() {
                    lines.append("    \(slots[slot]) = \(Self.widen(name, from: core, to: joined[slot]));")
                }
                lines.append("    break;")
                lines.append("}")
            }
            lines += ["default: break;", "}"]
            return lines
        case .unsupported:
            return []
        }
    }

    private mutating func nextTemporary() -> String {
        temporaries += 1
        return "t\(temporaries)"
    }

    /// Starts a new function body: temporaries are numbered from 1 again.
    package mutating func resetTemporaries() { temporaries = 0 }
}
