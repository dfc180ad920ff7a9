import Foundation
import Hummingbird
import Plugboard
import PlugboardHTTPFetch

extension APIHandlers {
    /// `POST /v1/plugins/{name}/process`: `{"input", "options", "key"}` → `{"output", "success", "errorMessage", "version"}`.
    func process(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = try pluginName(context)
        // The hot path reads and writes the JSON straight from and into NIO buffers; an unusual body (or a bad one,
        // for its precise 400) goes through JSONDecoder.
        let buffer = try await body(of: request)
        let body = try ProcessJSON.decodeBody(buffer) ?? decode(ProcessBody.self, from: buffer)
        let routed = try await registry.process(name, body.request, key: body.key)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ProcessJSON.encode(ProcessResult(routed), allocator: ByteBufferAllocator())))
    }

    /// `POST /v1/batch`: `{"requests": [{"plugin", "input", "options", "key"}], "concurrency": N}` → `{"results": [...]}`
    /// in request order; each result is a `process` result or an error with its status, and one failure does not
    /// fail the others.
    func batch(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await decode(BatchBody.self, from: request)
        guard body.requests.count <= configuration.maxBatchRequests else {
            throw APIError(
                status: .badRequest, code: "bad-request",
                message: "The batch has \(body.requests.count) requests; this server takes at most \(configuration.maxBatchRequests).",
                hint: "Split it into smaller batches.")
        }
        let concurrency = min(max(body.concurrency ?? 4, 1), configuration.maxBatchConcurrency)
        let requests = body.requests.map {
            BatchRequest(plugin: $0.plugin, request: ProcessRequest(input: $0.input, options: $0.options?.pairs ?? []), key: $0.key)
        }
        let results = await registry.batch(requests, concurrency: concurrency)
        let items = zip(body.requests, results).map { item, result in
            switch result {
            case .success(let routed):
                BatchItemResult(plugin: item.plugin, result: ProcessResult(routed), error: nil, status: 200)
            case .failure(let error):
                BatchItemResult(
                    plugin: item.plugin, result: nil,
                    error: .init(code: error.code.rawValue, message: error.description, plugin: error.plugin, hint: error.hint),
                    status: Int(APIError.status(for: error.category).code))
            }
        }
        return try JSONResponse.make(["results": items])
    }
}
