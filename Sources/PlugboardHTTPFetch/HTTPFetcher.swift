import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// `outgoing-http`'s `fetch`: checks a plugin's request against its allowlist, then sends it with
/// AsyncHTTPClient. Runs on the plugin's thread; the HTTP exchange runs as a task the thread waits for.
package struct HTTPFetcher: Sendable {
    package let options: HTTPFetchOptions

    /// One client for the process: no redirects, no decompression, no proxy. Never shut down (it lives as long
    /// as the process).
    package static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The `fetch-error` variant of the WIT interface.
    /// What a plugin without a network capability is told: it never reaches the fetcher.
    package static let noCapability = "the plugin has no network capability (its request was not read, nothing was sent)"

    package enum Failure: Error, Equatable {
        case denied(String)
        case invalidRequest(String)
        case nameNotResolved(String)
        case connectionFailed(String)
        case timeout
        case tooLarge(UInt64)

        package var witValue: WITValue {
            switch self {
            case .denied(let reason): .variant(case: "denied", payload: .string(reason))
            case .invalidRequest(let reason): .variant(case: "invalid-request", payload: .string(reason))
            case .nameNotResolved(let reason): .variant(case: "name-not-resolved", payload: .string(reason))
            case .connectionFailed(let reason): .variant(case: "connection-failed", payload: .string(reason))
            case .timeout: .variant(case: "timeout", payload: nil)
            case .tooLarge(let limit): .variant(case: "too-large", payload: .u64(limit))
            }
        }
    }

    package struct Response: Sendable {
        package var status: UInt16
        package var headers: [(String, String)]
        package var body: [UInt8]

        package var witValue: WITValue {
            .record([
                .init("status", .u16(status)),
                .init("headers", .list(headers.map { .tuple([.string($0.0), .string($0.1)]) })),
                .init("body", .list(body.map(WITValue.u8))),
            ])
        }
    }

    package struct Request {
        package var method: String
        package var url: String
        package var headers: [(String, String)]
        package var body: [UInt8]
    }

    package enum Outcome {
        case success(Response)
        case failure(Failure)

        package var witValue: WITValue {
            switch self {
            case .success(let response): .ok(response.witValue)
            case .failure(let failure): .err(failure.witValue)
            }
        }
    }

    package func fetch(_ argument: WITValue?, context: HostCallContext) -> Outcome {
        let request: Request
        do throws(Failure) {
            request = try Self.decode(argument)
        } catch {
            return .failure(error)
        }
        let policy = NetworkPolicy(allowlist: context.networkAllowlist, resolve: options.resolve)
        let destination: NetworkPolicy.Destination
        do throws(NetworkPolicy.Refusal) {
            destination = try policy.check(request.url)
        } catch {
            switch error {
            case .invalid(let reason): return .failure(.invalidRequest(reason))
            case .notResolved(let reason): return .failure(.nameNotResolved(reason))
            case .denied(let reason):
                context.logger.warning(
                    "Network request denied", metadata: ["http.url": .string(context.cutForLog(request.url)), "reason": .string(reason)])
                return .failure(.denied(reason))
            }
        }
        let method: HTTPMethod
        let headers: HTTPHeaders
        do throws(Failure) {
            method = try Self.method(request.method)
            headers = try Self.headers(request.headers, host: destination.url.hostHeader)
        } catch {
            return .failure(error)
        }
        let maxBytes = max(0, options.maxResponseBytes ?? context.maxOutputBytes)
        // The call's deadline cannot stop the guest while the host waits here: never wait past it.
        let timeout = context.remainingTime.map { min($0, options.timeout) } ?? options.timeout
        guard timeout > .zero else { return .failure(.timeout) }
        context.logger.debug("Network request", metadata: ["http.method": .string(method.rawValue), "http.origin": .string(destination.url.origin)])
        do {
            let response = try BlockingTask.run {
                try await Self.send(
                    method: method, headers: headers, body: request.body, destination: destination, maxBytes: maxBytes, timeout: timeout)
            }
            return .success(response)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.connectionFailed("\(error)"))
        }
    }

    // MARK: sending

    /// The URLs to try: for `http`, each checked address in turn (the `Host` header names the host); for
    /// `https`, the URL's own host (the certificate is checked against it).
    package static func targets(for destination: NetworkPolicy.Destination) -> [String] {
        let url = destination.url
        if url.scheme == "https" { return ["https://\(url.hostText):\(url.port)\(url.target)"] }
        return destination.addresses.map { "http://\($0.urlHost):\(url.port)\(url.target)" }
    }

    package static func send(
        method: HTTPMethod, headers: HTTPHeaders, body: [UInt8], destination: NetworkPolicy.Destination, maxBytes: Int, timeout: Duration
    ) async throws -> Response {
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Self.nanoseconds(timeout))
        return try await withThrowingTaskGroup(of: Response.self) { group in
            group.addTask {
                try await Self.exchange(method: method, headers: headers, body: body, destination: destination, maxBytes: maxBytes, deadline: deadline)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure.timeout
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Failure.timeout }
            return first
        }
    }

    private static func exchange(
        method: HTTPMethod, headers: HTTPHeaders, body: [UInt8], destination: NetworkPolicy.Destination, maxBytes: Int, deadline: NIODeadline
    ) async throws -> Response {
        let targets = targets(for: destination)
        var lastError: (any Error)?
        for target in targets {
            var request = HTTPClientRequest(url: target)
            request.method = method
            request.headers = headers
            if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, deadline: deadline)
            } catch {
                if isConnectFailure(error) {
                    lastError = error
                    continue
                }
                throw failure(for: error)
            }
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maxBytes {
                throw Failure.tooLarge(UInt64(maxBytes))
            }
            let buffer: ByteBuffer
            do {
                buffer = try await response.body.collect(upTo: maxBytes)
            } catch is NIOTooManyBytesError {
                throw Failure.tooLarge(UInt64(maxBytes))
            } catch {
                throw failure(for: error)
            }
            return Response(
                status: UInt16(clamping: response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView))
        }
        throw failure(for: lastError ?? Failure.connectionFailed("no address to connect to"))
    }

    /// Whether the request failed before anything was sent, so the next address may be tried.
    private static func isConnectFailure(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        return false
    }

    private static func failure(for error: any Error) -> Failure {
        if let failure = error as? Failure { return failure }
        if error is CancellationError { return .timeout }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .timeout
        }
        return .connectionFailed("\(error)")
    }

    package static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    // MARK: checking the guest's request

    /// Headers the host sets itself (framing, connection management, the destination).
    package static let reservedHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
        "proxy-connection", "proxy-authorization", "expect",
    ]

    package static func decode(_ value: WITValue?) throws(Failure) -> Request {
        guard let value, let method = value[field: "method"]?.stringValue, let url = value[field: "url"]?.stringValue,
            let headerValues = value[field: "headers"]?.elements, let bodyValues = value[field: "body"]?.elements
        else { throw .invalidRequest("the request is not an outgoing-http request record") }
        var headers: [(String, String)] = []
        for header in headerValues {
            guard let pair = header.elements, pair.count == 2, let name = pair[0].stringValue, let text = pair[1].stringValue else {
                throw .invalidRequest("a header is not a pair of strings")
            }
            headers.append((name, text))
        }
        var body: [UInt8] = []
        body.reserveCapacity(bodyValues.count)
        for byte in bodyValues {
            guard case .u8(let value) = byte else { throw .invalidRequest("the body is not a list of bytes") }
            body.append(value)
        }
        return Request(method: method, url: url, headers: headers, body: body)
    }

    package static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    package static func method(_ text: String) throws(Failure) -> HTTPMethod {
        guard isToken(text), text.utf8.count <= 32 else { throw .invalidRequest("'\(text.prefix(40))' is not an HTTP method") }
        let upper = text.uppercased()
        guard upper != "CONNECT", upper != "TRACE" else { throw .invalidRequest("the method \(upper) is not allowed") }
        return HTTPMethod(rawValue: text)
    }

    package static func headers(_ pairs: [(String, String)], host: String) throws(Failure) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, value) in pairs {
            guard isToken(name) else { throw .invalidRequest("'\(name.prefix(40))' is not a valid header name") }
            guard !reservedHeaders.contains(name.lowercased()) else {
                throw .invalidRequest("the header '\(name)' is set by the host; leave it out")
            }
            guard value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .invalidRequest("the value of header '\(name)' contains control characters")
            }
            headers.add(name: name, value: value)
        }
        headers.add(name: "Host", value: host)
        return headers
    }
}
