import Logging
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// How the `outgoing-http` host functions behave (the same for every plugin of a host; what a plugin may
/// reach is its own ``PluginCapabilities/network``).
public struct HTTPFetchOptions: Sendable {
    /// The most time one request may take, from connecting to the last byte of the body (default 30 s).
    public var timeout: Duration
    /// The largest response body a plugin may receive, in bytes; `nil`: the plugin's ``PluginLimits/maxOutputBytes``.
    public var maxResponseBytes: Int?
    /// Resolves a host name to its addresses. The default is the system resolver (`getaddrinfo`), called on the
    /// plugin's thread. Replace it to pin names in tests or to use your own resolver; every address it returns is
    /// checked against the policy.
    public var resolve: @Sendable (_ host: String) throws -> [IPAddress]

    public init(
        timeout: Duration = .seconds(30), maxResponseBytes: Int? = nil,
        resolve: @escaping @Sendable (_ host: String) throws -> [IPAddress] = HTTPFetchOptions.systemResolver
    ) {
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.resolve = resolve
    }

    /// The system resolver (`getaddrinfo`; blocking, which is fine on a plugin's thread).
    public static let systemResolver: @Sendable (_ host: String) throws -> [IPAddress] = { try NetworkPolicy.systemResolve($0) }
}

extension HostFunction {
    /// The `outgoing-http` interface (``HTTPWorld/outgoingHTTP``): `fetch` with AsyncHTTPClient, within each
    /// plugin's network allowlist. Opt-in: add it to ``PluginHost/Configuration/hostFunctions``
    /// (`HostFunction.defaultHostAPI + HostFunction.outgoingHTTP()`); `plugboard run` offers it.
    ///
    /// Every request is checked before anything is sent (see ``NetworkPattern``): the URL is `http` or `https`,
    /// an allowlist entry matches its scheme, host and port, and unless an entry names exactly that host or IP,
    /// every address it resolves to is public. Then:
    /// - `http` connects to the checked address itself, with the URL's host in the `Host` header, so a DNS
    ///   answer that changes between check and connect (rebinding) is never used.
    /// - `https` connects by name, since the certificate is checked against it: the client resolves the name
    ///   again, and a rebinding resolver could point that second lookup elsewhere. TLS still requires a valid
    ///   certificate for the name from whatever answers, which a private service rarely has (residual risk,
    ///   see Documentation/ThreatModel.md).
    /// - Redirects are not followed (the 3xx response is returned); no proxy is used; bodies are not
    ///   decompressed; the response body is capped (``HTTPFetchOptions/maxResponseBytes``) and the whole request
    ///   has ``HTTPFetchOptions/timeout``, or what is left of the plugin call's deadline if that is sooner.
    /// - Only a plugin granted a network destination reaches the fetcher: for others the import answers `denied`
    ///   without reading any argument (``HostFunction/requiresNetworkCapability``).
    ///
    /// Refusals and failures are returned to the guest as `fetch-error` values, never traps; a refusal is
    /// logged at `warning` with the plugin's name.
    public static func outgoingHTTP(_ options: HTTPFetchOptions = HTTPFetchOptions()) -> [HostFunction] {
        let interface = HTTPWorld.outgoingHTTP
        guard let fetch = interface.function(named: "fetch") else { preconditionFailure("outgoing-http has no fetch") }
        let fetcher = HTTPFetcher(options: options)
        return [
            HostFunction(
                module: interface.qualifiedName, function: fetch, blocks: true, requiresNetworkCapability: true,
                resultsWithoutCapability: [.err(HTTPFetcher.Failure.denied(HTTPFetcher.noCapability).witValue)]
            ) { context, arguments in
                [fetcher.fetch(arguments.first, context: context).witValue]
            }
        ]
    }
}
