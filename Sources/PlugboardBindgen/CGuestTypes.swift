import PlugboardABI
/// C names and declarations of the WIT types a world uses, for ``CGuestBindgen``.
///
/// Every type is named after its structure (`list<tuple<string, string>>` → `<world>_list_tuple2_string_string_t`)
/// or its WIT name (`process-request` → `<world>_process_request_t`), like wit-bindgen's C generator. Types are
/// kept in the order they are first reached (dependencies first), never in dictionary order, so the output is
/// deterministic.
package struct CGuestTypes {
    /// The world's name in snake case: the prefix of every generated name.
    package let prefix: String
    /// The world's resources: they decide the C type of a handle.
    package let resources: CGuestResources
    /// Every non-primitive type reached from the world's functions, dependencies before their users.
    private(set) var ordered: [WITType] = []
    private var byFragment: [String: WITType] = [:]

    package init(prefix: String, resources: CGuestResources = CGuestResources()) {
        self.prefix = prefix
        self.resources = resources
        // The string type and its helpers are always there: the helpers are part of the API.
        ordered.append(.string)
        byFragment["string"] = .string
    }

    /// Adds `type` and everything inside it; `context` names the function for error messages.
    package mutating func register(_ type: WITType, context: String) throws {
        switch type {
        case .unsupported(let what):
            throw PlugboardError.unsupportedType("\(what) (in \(context); C guest bindings support value types and resources only)")
        case .own(let resource), .borrow(let resource):
            // Handles are declared with their resource (CGuestResourceCode), not as a type of their own; their
            // C name is reserved so no WIT type can take it.
            let named = WITResourceType(resource.name)
            let reserved: WITType = if case .own = type { .own(named) } else { .borrow(named) }
            let fragment = Self.fragment(type)
            if let existing = byFragment[fragment], existing != reserved {
                throw PlugboardError.invalidArgument(
                    "C guest bindings: the WIT type \(existing) and the handle \(type) both map to the C name \(prefix)_\(fragment)_t (in \(context)); rename one of them")
            }
            byFragment[fragment] = reserved
            return
        case .list(let element), .option(let element):
            try register(element, context: context)
        case .record(_, let fields):
            for field in fields { try register(field.type, context: context) }
        case .tuple(let elements):
            for element in elements { try register(element, context: context) }
        case .variant(_, let cases):
            for payload in cases.compactMap(\.payload) { try register(payload, context: context) }
        case .result(let ok, let error):
            if let ok { try register(ok, context: context) }
            if let error { try register(error, context: context) }
        case .flags(let name, let flags) where flags.count > 32:
            throw PlugboardError.unsupportedType("flags \(name) with \(flags.count) flags (in \(context); the component model allows at most 32)")
        default:
            break
        }
        guard !Self.isPrimitive(type) else { return }
        let fragment = Self.fragment(type)
        if let existing = byFragment[fragment] {
            guard existing == type else {
                throw PlugboardError.invalidArgument(
                    "C guest bindings: two different WIT types both map to the C name \(prefix)_\(fragment)_t (in \(context)); rename one of them")
            }
            return
        }
        byFragment[fragment] = type
        ordered.append(type)
    }

    // MARK: names

    package static func isPrimitive(_ type: WITType) -> Bool {
        switch type {
        case .bool, .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64, .f32, .f64, .char: true
        default: false
        }
    }

    /// Element types whose C array is byte-for-byte the canonical list, so lists of them cross without copying.
    package static func isPlain(_ type: WITType) -> Bool {
        switch type {
        case .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64, .f32, .f64, .char: true
        default: false
        }
    }

    /// Whether a value of `type` points at memory that must be freed.
    package static func ownsMemory(_ type: WITType) -> Bool {
        switch type {
        case .string, .list: true
        case .record(_, let fields): fields.contains { ownsMemory($0.type) }
        case .tuple(let elements): elements.contains(where: ownsMemory)
        case .variant(_, let cases): cases.contains { $0.payload.map(ownsMemory) ?? false }
        case .option(let wrapped): ownsMemory(wrapped)
        case .result(let ok, let error): (ok.map(ownsMemory) ?? false) || (error.map(ownsMemory) ?? false)
        default: false
        }
    }

    /// Whether lowering a value of `type` allocates: it holds a list whose elements must be converted.
    package static func containsConvertedList(_ type: WITType) -> Bool {
        switch type {
        case .list(let element): !isPlain(element) || containsConvertedList(element)
        case .record(_, let fields): fields.contains { containsConvertedList($0.type) }
        case .tuple(let elements): elements.contains(where: containsConvertedList)
        case .variant(_, let cases): cases.contains { $0.payload.map(containsConvertedList) ?? false }
        case .option(let wrapped): containsConvertedList(wrapped)
        case .result(let ok, let error): (ok.map(containsConvertedList) ?? false) || (error.map(containsConvertedList) ?? false)
        default: false
        }
    }

    /// The part of a type's C name between the world prefix and `_t`.
    package static func fragment(_ type: WITType) -> String {
        switch type {
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
        case .list(let element): "list_" + fragment(element)
        case .option(let wrapped): "option_" + fragment(wrapped)
        case .result(let ok, let error): "result_" + (ok.map(fragment) ?? "void") + "_" + (error.map(fragment) ?? "void")
        case .tuple(let elements): "tuple\(elements.count)_" + elements.map(fragment).joined(separator: "_")
        case .record(let name, _), .variant(let name, _), .enum(let name, _), .flags(let name, _): snake(name)
        case .own(let resource): "own_" + snake(resource.name)
        case .borrow(let resource): "borrow_" + snake(resource.name)
        case .unsupported(let what): snake(what)
        }
    }

    /// The C type of a value of `type`.
    package func cType(_ type: WITType) -> String {
        switch type {
        case .bool: "bool"
        case .s8: "int8_t"
        case .u8: "uint8_t"
        case .s16: "int16_t"
        case .u16: "uint16_t"
        case .s32: "int32_t"
        case .u32: "uint32_t"
        case .s64: "int64_t"
        case .u64: "uint64_t"
        case .f32: "float"
        case .f64: "double"
        case .char: "uint32_t"
        case .own(let resource), .borrow(let resource):
            resources[resource.name]?.isImport == false ? "exports_\(prefix)_\(Self.fragment(type))_t" : "\(prefix)_\(Self.fragment(type))_t"
        default: "\(prefix)_\(Self.fragment(type))_t"
        }
    }

    /// The name of a type's `_free` helper.
    package func freeFunction(_ type: WITType) -> String { "\(prefix)_\(Self.fragment(type))_free" }

    /// The unsigned C integer that holds a discriminant of `count` cases.
    package static func discriminantType(caseCount count: Int) -> String {
        switch CanonicalLayout.discriminantSize(count) {
        case 1: "uint8_t"
        case 2: "uint16_t"
        default: "uint32_t"
        }
    }

    /// The unsigned C integer that holds a flags value.
    package static func flagsType(_ count: Int) -> String {
        switch count {
        case 0...8: "uint8_t"
        case 9...16: "uint16_t"
        default: "uint32_t"
        }
    }

    /// A WIT identifier in C: kebab-case to snake_case, `%` escapes dropped.
    package static func snake(_ name: String) -> String {
        String(name.filter { $0 != "%" }.map { $0 == "-" || $0 == " " || $0 == "<" || $0 == ">" ? "_" : $0 }).lowercased()
    }

    /// A WIT identifier as a C field or parameter name: snake case, with a trailing `_` if it is a C keyword.
    package static func identifier(_ name: String) -> String {
        let snaked = snake(name)
        return cKeywords.contains(snaked) ? snaked + "_" : snaked
    }

    /// A WIT identifier in a macro name.
    package static func macro(_ name: String) -> String { snake(name).uppercased() }

    package static let cKeywords: Set<String> = [
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
        "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
        "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
        "true", "false", "alignas", "alignof", "static_assert", "thread_local", "nullptr", "typeof", "constexpr",
    ]

    /// The union member of a variant case.
    package static func caseMember(_ name: String) -> String { identifier(name) }

    // MARK: declarations

    /// The `typedef` (plus `#define`s for cases and flags) of one registered type.
    package func declaration(_ type: WITType) -> [String] {
        let name = cType(type)
        let macroPrefix = "\(prefix)_\(Self.fragment(type))".uppercased()
        switch type {
        case .string:
            return [
                "/// A WIT `string`: UTF-8 bytes, not NUL-terminated.",
                "typedef struct { uint8_t *ptr; size_t len; } \(name);",
            ]
        case .list(let element):
            return ["/// A WIT `\(type)`.", "typedef struct { \(cType(element)) *ptr; size_t len; } \(name);"]
        case .record(let witName, let fields):
            return ["/// The WIT record `\(witName)`.", "typedef struct {"]
                + fields.map { "    \(cType($0.type)) \(Self.identifier($0.name));" } + ["} \(name);"]
        case .tuple(let elements):
            return ["/// A WIT `\(type)`.", "typedef struct {"]
                + elements.enumerated().map { "    \(cType($1)) f\($0);" } + ["} \(name);"]
        case .variant(let witName, let cases):
            var lines = ["/// The WIT variant `\(witName)`: `tag` is one of the \(macroPrefix)_* values; `val` holds its payload, if any.", "typedef struct {"]
            lines.append("    \(Self.discriminantType(caseCount: cases.count)) tag;")
            let payloads = cases.filter { $0.payload != nil }
            if !payloads.isEmpty {
                lines.append("    union {")
                lines += payloads.map { "        \(cType($0.payload!)) \(Self.caseMember($0.name));" }
                lines.append("    } val;")
            }
            lines.append("} \(name);")
            lines += cases.enumerated().map { "#define \(macroPrefix)_\(Self.macro($1.name)) \($0)" }
            return lines
        case .enum(let witName, let cases):
            return ["/// The WIT enum `\(witName)`: one of the \(macroPrefix)_* values.",
                    "typedef \(Self.discriminantType(caseCount: cases.count)) \(name);"]
                + cases.enumerated().map { "#define \(macroPrefix)_\(Self.macro($1)) \($0)" }
        case .flags(let witName, let flags):
            let integer = Self.flagsType(flags.count)
            return ["/// The WIT flags `\(witName)`: a bit set of the \(macroPrefix)_* values.", "typedef \(integer) \(name);"]
                + flags.enumerated().map { "#define \(macroPrefix)_\(Self.macro($1)) ((\(integer))1 << \($0))" }
        case .option(let wrapped):
            return ["/// A WIT `\(type)`: `val` is set only when `is_some`.",
                    "typedef struct { bool is_some; \(cType(wrapped)) val; } \(name);"]
        case .result(let ok, let error):
            var members: [String] = []
            if let ok { members.append("\(cType(ok)) ok;") }
            if let error { members.append("\(cType(error)) err;") }
            let union = members.isEmpty ? "" : " union { \(members.joined(separator: " ")) } val;"
            return ["/// A WIT `\(type)`: `is_err` says which member of `val` is set.", "typedef struct { bool is_err;\(union) } \(name);"]
        default:
            return []
        }
    }

    /// The prototype of a type's `_free` helper, for types that own memory.
    package func freePrototype(_ type: WITType) -> String? {
        guard Self.ownsMemory(type) else { return nil }
        return "void \(freeFunction(type))(\(cType(type)) *ptr)"
    }

    /// The body of a type's `_free` helper: frees everything the value owns and leaves it empty.
    package func freeDefinition(_ type: WITType) -> [String] {
        guard let prototype = freePrototype(type) else { return [] }
        var body: [String] = []
        func free(_ type: WITType, _ lvalue: String) -> String? {
            Self.ownsMemory(type) ? "\(freeFunction(type))(&\(lvalue));" : nil
        }
        switch type {
        case .string:
            body = ["if (ptr->len > 0) free(ptr->ptr);", "ptr->ptr = NULL;", "ptr->len = 0;"]
        case .list(let element):
            if let each = free(element, "ptr->ptr[i]") {
                body.append("for (size_t i = 0; i < ptr->len; i++) \(each)")
            }
            body += ["if (ptr->len > 0) free(ptr->ptr);", "ptr->ptr = NULL;", "ptr->len = 0;"]
        case .record(_, let fields):
            body = fields.compactMap { free($0.type, "ptr->\(Self.identifier($0.name))") }
        case .tuple(let elements):
            body = elements.enumerated().compactMap { free($1, "ptr->f\($0)") }
        case .variant(_, let cases):
            body.append("switch (ptr->tag) {")
            for (index, variantCase) in cases.enumerated() {
                guard let payload = variantCase.payload, let line = free(payload, "ptr->val.\(Self.caseMember(variantCase.name))") else { continue }
                body.append("case \(index): \(line) break;")
            }
            body.append("default: break;")
            body.append("}")
        case .option(let wrapped):
            body = ["if (ptr->is_some) \(free(wrapped, "ptr->val")!)", "ptr->is_some = false;"]
        case .result(let ok, let error):
            switch (ok.flatMap { free($0, "ptr->val.ok") }, error.flatMap { free($0, "ptr->val.err") }) {
            case (let okLine?, let errorLine?): body = ["if (ptr->is_err) \(errorLine) else \(okLine)"]
            case (let okLine?, nil): body = ["if (!ptr->is_err) \(okLine)"]
            case (nil, let errorLine?): body = ["if (ptr->is_err) \(errorLine)"]
            case (nil, nil): break
            }
        default:
            break
        }
        return [prototype + " {"] + body.map { "    " + $0 } + ["}"]
    }
}
