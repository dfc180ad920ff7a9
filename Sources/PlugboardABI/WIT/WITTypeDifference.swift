/// Where two WIT functions or types differ in shape, said in words: the parameter, field, case or element and the
/// two types there. Names of records, variants, enums and flags are not compared (a binary need not carry them);
/// field, case and flag names and their order are, as the component model's type equality does.
package enum WITTypeDifference {
    /// How `plugin`'s function differs from `host`'s, or `nil` when they have the same shape.
    package static func between(plugin: WITFunction, host: WITFunction) -> String? {
        guard plugin.parameters.count == host.parameters.count else {
            return "it takes \(plugin.parameters.count) parameter(s) in the plugin (\(plugin.signature)) and \(host.parameters.count) in the host (\(host.signature))"
        }
        for (mine, theirs) in zip(plugin.parameters, host.parameters) {
            if let difference = between(mine.type, theirs.type, at: "parameter '\(theirs.name)'") { return difference }
        }
        guard plugin.results.count == host.results.count else {
            return "it returns \(plugin.results.count) result(s) in the plugin (\(plugin.signature)) and \(host.results.count) in the host (\(host.signature))"
        }
        for (mine, theirs) in zip(plugin.results, host.results) {
            if let difference = between(mine, theirs, at: "the result") { return difference }
        }
        return nil
    }

    /// How `plugin` differs from `host` at `path` (what holds the type, e.g. "parameter 'req'"), or `nil`.
    package static func between(_ plugin: WITType, _ host: WITType, at path: String) -> String? {
        func differ() -> String { "\(path) is \(spelled(plugin)) in the plugin and \(spelled(host)) in the host" }
        switch (plugin, host) {
        case (.list(let mine), .list(let theirs)):
            return between(mine, theirs, at: "the element of \(path)")
        case (.option(let mine), .option(let theirs)):
            return between(mine, theirs, at: "the value of \(path)")
        case (.tuple(let mine), .tuple(let theirs)):
            guard mine.count == theirs.count else { return differ() }
            for (index, pair) in zip(mine, theirs).enumerated() {
                if let difference = between(pair.0, pair.1, at: "element \(index) of \(path)") { return difference }
            }
            return nil
        case (.record(_, let mine), .record(let name, let theirs)):
            guard mine.map(\.name) == theirs.map(\.name) else { return differ() }
            for (field, hostField) in zip(mine, theirs) {
                if let difference = between(field.type, hostField.type, at: "field '\(field.name)' of \(name) in \(path)") { return difference }
            }
            return nil
        case (.variant(_, let mine), .variant(let name, let theirs)):
            guard mine.map(\.name) == theirs.map(\.name) else { return differ() }
            for (witCase, hostCase) in zip(mine, theirs) {
                switch (witCase.payload, hostCase.payload) {
                case (nil, nil): continue
                case (let payload?, let hostPayload?):
                    if let difference = between(payload, hostPayload, at: "case '\(witCase.name)' of \(name) in \(path)") { return difference }
                default: return differ()
                }
            }
            return nil
        case (.result(let ok, let error), .result(let hostOK, let hostError)):
            for (mine, theirs, part) in [(ok, hostOK, "ok"), (error, hostError, "error")] {
                switch (mine, theirs) {
                case (nil, nil): continue
                case (let type?, let hostType?):
                    if let difference = between(type, hostType, at: "the \(part) value of \(path)") { return difference }
                default: return differ()
                }
            }
            return nil
        case (.enum(_, let mine), .enum(_, let theirs)):
            return mine == theirs ? nil : differ()
        case (.flags(_, let mine), .flags(_, let theirs)):
            return mine == theirs ? nil : differ()
        case (.own(let mine), .own(let theirs)), (.borrow(let mine), .borrow(let theirs)):
            return mine.matches(theirs) ? nil : differ()
        default:
            return plugin == host ? nil : differ()
        }
    }

    /// A type spelled with its structure when its name says nothing (`record { a: u32 }` rather than `type-3`).
    package static func spelled(_ type: WITType) -> String {
        switch type {
        case .record(_, let fields): "record { \(fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ")) }"
        case .variant(_, let cases): "variant { \(cases.map { witCase in witCase.payload.map { "\(witCase.name)(\($0))" } ?? witCase.name }.joined(separator: ", ")) }"
        case .enum(_, let cases): "enum { \(cases.joined(separator: ", ")) }"
        case .flags(_, let flags): "flags { \(flags.joined(separator: ", ")) }"
        default: type.description
        }
    }
}
