import Foundation
import HTTPTypes
import NIOCore
import Hummingbird
import Plugboard
import PlugboardHTTPFetch

/// An error as the HTTP API reports it: a status, a stable `code`, a message that says what happened and what to
/// do, and the plugin it concerns.
///
/// The body is `{"error": {"code": "...", "message": "...", "plugin": "...", "hint": "..."}}`.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable kind: a ``PlugboardError/Code`` for plugin failures, else one of the server's own
    /// (`bad-request`, `body-too-large`, `unauthorized`, `forbidden`, `not-found`, `method-not-allowed`).
    public var code: String
    public var message: String
    public var plugin: String?
    public var hint: String?
    /// For 503 `overloaded`: sent as `Retry-After` (whole seconds, at least 1).
    public var retryAfter: Duration?

    public init(status: HTTPResponse.Status, code: String, message: String, plugin: String? = nil, hint: String? = nil, retryAfter: Duration? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.plugin = plugin
        self.hint = hint
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The HTTP form of a library error, by its ``PlugboardError/Category``: traps and guest faults are 502 (the
    /// plugin, not the server, failed), a timeout is 504, a resource limit 429, an unknown plugin 404, a quarantined
    /// or overloaded plugin 503 (overloaded with `Retry-After`), a module that cannot be deployed 422.
    public init(_ error: PlugboardError) {
        self.init(
            status: Self.status(for: error.category), code: error.code.rawValue, message: error.description, plugin: error.plugin,
            hint: error.hint, retryAfter: error.retryAfter)
    }

    static func status(for category: PlugboardError.Category) -> HTTPResponse.Status {
        switch category {
        case .guestFault, .pluginError: .badGateway
        case .timeout: .gatewayTimeout
        case .limit: .tooManyRequests
        case .overloaded, .unavailable, .cancelled: .serviceUnavailable
        case .notFound: .notFound
        case .invalidRequest: .badRequest
        case .undeployable: .unprocessableContent
        case .conflict: .conflict
        case .host: .internalServerError
        }
    }

    /// Maps any error a route can hit to its HTTP form.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as PlugboardError: APIError(error)
        case is NIOTooManyBytesError: .bodyTooLarge(limit: nil)
        case let error as DecodingError: .badJSON(error)
        default: APIError(status: .internalServerError, code: "internal", message: "\(error)", hint: "This is a bug in Plugboard; please report it with the request that caused it.")
        }
    }

    static func badJSON(_ error: DecodingError) -> APIError {
        let detail: String
        switch error {
        case .dataCorrupted(let context): detail = context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): detail = "missing key \"\(path(context.codingPath + [key]))\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context): detail = "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: detail = "\(error)"
        }
        return APIError(status: .badRequest, code: "bad-request", message: "The request body was refused: \(detail).", hint: "Send JSON as documented in the README's HTTP API section.")
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    static func bodyTooLarge(limit: Int?) -> APIError {
        APIError(
            status: .contentTooLarge, code: "body-too-large",
            message: "The request body is larger than the server accepts" + (limit.map { " (\($0) bytes)" } ?? "") + "; it was not passed to any plugin.",
            hint: "Send a smaller body, or start the server with a larger --max-body-bytes.")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = ErrorBody.Detail(code: code, message: message)
        body.plugin = plugin
        body.hint = hint
        var response = try JSONResponse.make(ErrorBody(error: body), status: status)
        if let retryAfter {
            response.headers[.retryAfter] = String(max(1, Int(retryAfter.components.seconds) + (retryAfter.components.attoseconds > 0 ? 1 : 0)))
        }
        return response
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var plugin: String?
            var hint: String?
        }
        var error: Detail
    }
}
