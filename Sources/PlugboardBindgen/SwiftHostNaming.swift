import PlugboardABI
/// Swift spellings of WIT identifiers: `process-request` → `ProcessRequest`, `error-message` → `errorMessage`,
/// with keywords escaped; a resource's functions by their flat names (`[method]thing.poke` → `thingPoke`).
package enum SwiftHostNaming {
    /// `kebab-case` → `PascalCase`.
    package static func typeName(_ wit: String) -> String {
        words(wit).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// `kebab-case` → `camelCase`, without escaping.
    package static func memberName(_ wit: String) -> String {
        let parts = words(wit)
        guard let first = parts.first else { return "_" }
        // An all-caps first word (`URL-path`) is lowercased whole, as Swift spells `urlPath`.
        let head = first.allSatisfy(\.isUppercase) ? first.lowercased() : first.prefix(1).lowercased() + first.dropFirst()
        return head + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A member name usable as a Swift identifier anywhere: keywords in backticks, and names that cannot be
    /// escaped (`self`, `init`, …) or that clash with `reserved` get a trailing `_`.
    package static func identifier(_ wit: String, reserved: Set<String> = []) -> String {
        let name = memberName(wit)
        if unescapable.contains(name) || reserved.contains(name) { return name + "_" }
        if keywords.contains(name) { return "`\(name)`" }
        return name
    }

    /// A function's name as flat Swift APIs (the imports protocols) spell it, in WIT's kebab case: the functions of
    /// a resource `R`, which the component model names `[constructor]R`, `[method]R.m` and `[static]R.f`, become
    /// `make-R`, `R-m` and `R-f`; other names stay as they are.
    package static func flatName(_ witFunction: String) -> String {
        ResourceFunctionRole(functionName: witFunction)?.flatName ?? witFunction
    }

    private static func words(_ wit: String) -> [Substring] {
        let flat = flatName(wit)
        let trimmed = flat.hasPrefix("%") ? flat.dropFirst() : Substring(flat)
        return trimmed.split(separator: "-", omittingEmptySubsequences: true)
    }

    /// Names Swift does not accept as members even in backticks, or accepts with surprising meaning.
    package static let unescapable: Set<String> = ["self", "Self", "init", "deinit", "super", "subscript", "Type", "Protocol"]

    package static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "Any", "as", "await", "false", "is", "nil", "throws", "true", "try", "async", "some", "any",
        "consume", "copy", "borrowing", "consuming", "discard", "each", "macro", "package", "repeat", "_",
    ]

    /// Type names that would shadow a standard-library or Plugboard type the generated code uses.
    package static let reservedTypeNames: Set<String> = [
        "Any", "AnyObject", "Array", "Bool", "CaseIterable", "Character", "Dictionary", "Double", "Equatable", "Error",
        "Float", "Hashable", "Hasher", "Int", "Int8", "Int16", "Int32", "Int64", "Never", "OptionSet", "Optional",
        "Protocol", "Result", "Self", "Sendable", "Set", "String", "Swift", "Type", "UInt", "UInt8", "UInt16", "UInt32",
        "UInt64", "Unicode", "Void", "HostCallContext", "HostFunction", "PlugboardError", "Plugin", "Plugboard",
        "SemanticVersion", "WITCase", "WITField", "WITFunction", "WITInterface", "WITPackageName", "WITParameter",
        "WITResource", "WITResourceType", "WITResult", "WITType", "WITValue", "WITValueConvertible", "WITWorld",
    ]
}
