import HTTPTypes
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>` carrying the server's admin token.
///
/// Without the header the answer is 401 `unauthorized`; with another token, 403 `forbidden`; when the server has no
/// admin token at all, every admin request is 403 `admin-disabled`. Tokens are compared in constant time.
struct AdminTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, !token.isEmpty else {
            throw APIError(
                status: .forbidden, code: "admin-disabled",
                message: "The admin API is off: this server was started without an admin token.",
                hint: "Restart it with PLUGBOARD_ADMIN_TOKEN set (or --admin-token) to use the admin API.")
        }
        guard let header = request.headers[.authorization] else {
            throw APIError(
                status: .unauthorized, code: "unauthorized", message: "The admin API needs a bearer token; the request had none.",
                hint: "Send the header 'Authorization: Bearer <admin token>'.")
        }
        let prefix = "Bearer "
        let given = header.hasPrefix(prefix) ? String(header.dropFirst(prefix.count)) : ""
        guard Self.constantTimeEqual(Array(given.utf8), Array(token.utf8)) else {
            throw APIError(
                status: .forbidden, code: "forbidden", message: "The bearer token is not this server's admin token.",
                hint: "Use the token the server was started with (PLUGBOARD_ADMIN_TOKEN or --admin-token).")
        }
        return try await next(request, context)
    }

    /// Compares without returning early, so the time taken does not tell how much of a guess was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
