/// `plugin-metadata`: who a plugin is.
public struct PluginMetadata: Sendable, Hashable, Codable {
    public var name: String
    public var version: String
    public var description: String

    public init(name: String, version: String, description: String) {
        self.name = name
        self.version = version
        self.description = description
    }

    init(_ value: WITValue) throws {
        guard let name = value[field: "name"]?.stringValue, let version = value[field: "version"]?.stringValue,
            let description = value[field: "description"]?.stringValue
        else { throw PlugboardError.unexpectedValue(value, expected: "plugin-metadata") }
        self.init(name: name, version: version, description: description)
    }
}

/// `process-request`: one unit of work, an input and ordered options.
public struct ProcessRequest: Sendable, Hashable, Codable {
    public var input: String
    /// Key/value options in order; keys may repeat.
    public var options: [Option]

    /// One `(key, value)` option.
    public struct Option: Sendable, Hashable, Codable {
        public var key: String
        public var value: String

        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(input: String, options: [Option] = []) {
        self.input = input
        self.options = options
    }

    var witValue: WITValue {
        .record([
            .init("input", .string(input)),
            .init("options", .list(options.map { .tuple([.string($0.key), .string($0.value)]) })),
        ])
    }
}

/// `process-response`: the output, and on failure a message.
public struct ProcessResponse: Sendable, Hashable, Codable {
    public var output: String
    public var success: Bool
    public var errorMessage: String?

    public init(output: String, success: Bool, errorMessage: String? = nil) {
        self.output = output
        self.success = success
        self.errorMessage = errorMessage
    }

    init(_ value: WITValue) throws {
        guard let output = value[field: "output"]?.stringValue, case .bool(let success)? = value[field: "success"],
            case .option(let error)? = value[field: "error-message"]
        else { throw PlugboardError.unexpectedValue(value, expected: "process-response") }
        self.init(output: output, success: success, errorMessage: error?.stringValue)
    }
}

extension WITValue {
    /// A `list<tuple<string, string>>` value from ordered pairs.
    static func keyValueList(_ pairs: [(String, String)]) -> WITValue {
        .list(pairs.map { .tuple([.string($0.0), .string($0.1)]) })
    }
}
