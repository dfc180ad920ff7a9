import Plugboard
import PlugboardHTTPFetch

/// The body of `POST /v1/plugins/{name}/process`: `{"input": "...", "options": {...} or [["k", "v"], ...], "key": "..."}`.
struct ProcessBody: Decodable, Sendable {
    var input: String
    var options: OptionsPayload?
    /// Routes the call stickily between the stable version and a canary.
    var key: String?

    var request: ProcessRequest { ProcessRequest(input: input, options: options?.pairs ?? []) }
}

/// Process options as a JSON object (keys in sorted order, since JSON objects have none) or as a list of
/// `["key", "value"]` pairs (order kept, keys may repeat).
struct OptionsPayload: Decodable, Sendable {
    var pairs: [(String, String)]

    init(pairs: [(String, String)]) { self.pairs = pairs }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.singleValueContainer().decode([String: String].self) {
            pairs = object.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return
        }
        var list = try decoder.unkeyedContainer()
        pairs = []
        while !list.isAtEnd {
            let pair = try list.decode([String].self)
            guard pair.count == 2 else {
                throw DecodingError.dataCorruptedError(
                    in: list, debugDescription: "each option must be a [\"key\", \"value\"] pair of strings, got \(pair.count) strings")
            }
            pairs.append((pair[0], pair[1]))
        }
    }
}

/// A `process` result: the plugin's response and the version that served it.
struct ProcessResult: Encodable, Sendable {
    var output: String
    var success: Bool
    var errorMessage: String?
    var version: String

    init(_ routed: Routed<ProcessResponse>) {
        output = routed.value.output
        success = routed.value.success
        errorMessage = routed.value.errorMessage
        version = routed.version
    }

    enum CodingKeys: String, CodingKey { case output, success, errorMessage, version }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(output, forKey: .output)
        try container.encode(success, forKey: .success)
        try container.encode(errorMessage, forKey: .errorMessage)  // null rather than absent: the field is always there
        try container.encode(version, forKey: .version)
    }
}

/// The body of `POST /v1/batch`.
struct BatchBody: Decodable, Sendable {
    struct Item: Decodable, Sendable {
        var plugin: String
        var input: String
        var options: OptionsPayload?
        var key: String?
    }
    var requests: [Item]
    var concurrency: Int?
}

/// One result of a batch, in request order: a `process` result or an error.
struct BatchItemResult: Encodable, Sendable {
    var plugin: String
    var result: ProcessResult?
    var error: APIError.ErrorBody.Detail?
    var status: Int

    enum CodingKeys: String, CodingKey { case plugin, output, success, errorMessage, version, error, status }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plugin, forKey: .plugin)
        try container.encode(status, forKey: .status)
        if let result {
            try container.encode(result.output, forKey: .output)
            try container.encode(result.success, forKey: .success)
            try container.encode(result.errorMessage, forKey: .errorMessage)
            try container.encode(result.version, forKey: .version)
        }
        try container.encodeIfPresent(error, forKey: .error)
    }
}
