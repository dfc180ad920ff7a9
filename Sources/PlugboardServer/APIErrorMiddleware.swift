import HTTPTypes
import Hummingbird

/// Turns every error a route or middleware throws into the API's JSON error body (see ``APIError``), including
/// Hummingbird's own (unknown path → 404 `not-found`, wrong method → 405).
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                throw APIError(
                    status: .notFound, code: "not-found", message: "No endpoint \(request.method) \(request.uri.path).",
                    hint: "See the README's HTTP API section for the endpoints; plugins are called with POST /v1/plugins/{name}/process.")
            case .methodNotAllowed:
                throw APIError(status: .methodNotAllowed, code: "method-not-allowed", message: "\(request.uri.path) does not take \(request.method).")
            default:
                throw APIError(status: error.status, code: "http-\(error.status.code)", message: error.body ?? error.status.reasonPhrase)
            }
        } catch {
            throw APIError.from(error)
        }
    }
}
