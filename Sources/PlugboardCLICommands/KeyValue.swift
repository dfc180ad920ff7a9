import ArgumentParser

/// A `key=value` command-line value, split at the first `=`: the value may be empty or contain `=`.
public struct KeyValue: Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    /// Parses `key=value`; throws a ``ValidationError`` (exit code 64) naming the expected form otherwise.
    public static func parse(_ text: String) throws -> KeyValue {
        guard let equals = text.firstIndex(of: "=") else {
            throw ValidationError("expected the form key=value (e.g. mode=uppercase), got '\(text)' with no '='")
        }
        let key = String(text[..<equals])
        guard !key.isEmpty else {
            throw ValidationError("expected the form key=value (e.g. mode=uppercase), got '\(text)' with an empty key")
        }
        return KeyValue(key, String(text[text.index(after: equals)...]))
    }

    public var description: String { "\(key)=\(value)" }
}
