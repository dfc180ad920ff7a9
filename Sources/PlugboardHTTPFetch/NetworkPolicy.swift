import Foundation

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

/// Decides whether a plugin may connect to a URL, and to which addresses (see ``NetworkPattern`` for the rules).
///
/// The check, in order: the URL parses (`http`/`https`, no user info); an allowlist entry matches its scheme,
/// host and port; the host resolves (IP literals need no lookup); and, unless an entry names exactly that host
/// or address, every resolved address is public (``AddressClassifier``). The caller connects only to the
/// addresses returned, so a second DNS answer cannot redirect it (for `http`; see ``HostFunction/outgoingHTTP(_:)``
/// for `https`).
package struct NetworkPolicy: Sendable {
    package var allowlist: [NetworkPattern]
    /// Resolves a host name to addresses; throws a reason when it cannot.
    package var resolve: @Sendable (String) throws -> [IPAddress]

    /// Why a request may not go out.
    package enum Refusal: Error, Equatable {
        case invalid(String)
        case denied(String)
        case notResolved(String)
    }

    /// What may be connected to.
    package struct Destination: Sendable {
        package var url: FetchURL
        /// Checked addresses, in the resolver's order.
        package var addresses: [IPAddress]
    }

    package func check(_ text: String) throws(Refusal) -> Destination {
        let url = try FetchURL(parsing: text)
        let matches = allowlist.map { $0.match(scheme: url.scheme, host: url.host, port: url.port) }
        guard matches.contains(where: { $0 != .none }) else {
            let listed = allowlist.isEmpty ? "the plugin has no network capability" : "no entry of the plugin's network allowlist matches it"
            throw .denied("\(url.origin) is not allowed: \(listed)")
        }
        let exact = matches.contains(.exact)
        let addresses: [IPAddress]
        switch url.host {
        case .address(let address): addresses = [address]
        case .name(let name):
            do {
                addresses = try resolve(name)
            } catch {
                throw .notResolved("\(name): \(error)")
            }
            guard !addresses.isEmpty else { throw .notResolved("\(name): no addresses") }
        case .wildcard: throw .invalid("a URL host cannot be a wildcard")
        }
        if !exact, let blocked = addresses.first(where: { !AddressClassifier.classify($0).isPublic }) {
            let kind = AddressClassifier.classify(blocked).rawValue
            throw .denied(
                "\(url.origin) resolves to \(blocked), a \(kind) address; only an allowlist entry naming exactly this host (not a wildcard) allows that")
        }
        return Destination(url: url, addresses: addresses)
    }

    /// `getaddrinfo` (blocking: call it on the plugin's thread, not the cooperative pool).
    package static func systemResolve(_ name: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0 else { throw ResolveFailure(description: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ai_next }
            guard let socketAddress = entry.pointee.ai_addr else { continue }
            let address: IPAddress
            switch Int32(entry.pointee.ai_family) {
            case AF_INET:
                let v4 = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                address = .v4(UInt32(bigEndian: v4.s_addr))
            case AF_INET6:
                var v6 = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                address = .v6(withUnsafeBytes(of: &v6) { Array($0) })
            default: continue
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }

    package struct ResolveFailure: Error, CustomStringConvertible {
        package var description: String
    }
}

/// An `http`/`https` URL a plugin asked for, split into what the policy checks and what is sent.
package struct FetchURL: Sendable, Equatable {
    package var scheme: String
    package var host: NetworkPattern.Host
    package var port: Int
    /// The path and query, starting with `/` (the fragment is dropped).
    package var target: String
    /// The host as the URL wrote it, normalized (lowercase name, canonical address, IPv6 in brackets).
    package var hostText: String

    /// `scheme://host:port`, for messages.
    package var origin: String { "\(scheme)://\(hostText):\(port)" }

    /// The `Host` header: the host, with the port when it is not the scheme's default.
    package var hostHeader: String { port == NetworkPattern.defaultPort(of: scheme) ? hostText : "\(hostText):\(port)" }

    package init(parsing text: String) throws(NetworkPolicy.Refusal) {
        guard text.utf8.count <= 8192 else { throw .invalid("the URL is longer than 8192 bytes") }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .invalid("the URL contains spaces, control or non-ASCII characters; percent-encode them")
        }
        guard let separator = text.range(of: "://") else { throw .invalid("'\(text)' is not an absolute http or https URL") }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard let defaultPort = NetworkPattern.defaultPort(of: scheme) else {
            throw .invalid("the scheme '\(scheme)' is not supported; use http or https")
        }
        var rest = text[separator.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authorityText = rest[..<authorityEnd]
        if authorityText.contains("@") { throw .invalid("URLs with a user name or password are not supported") }
        if authorityText.contains("\\") || authorityText.contains("%") { throw .invalid("the URL's host contains '\\' or '%'") }
        let authority: Authority
        do throws(Authority.Invalid) {
            authority = try Authority(parsing: authorityText, allowWildcard: false)
        } catch {
            throw .invalid("the URL's host or port is malformed: \(error.reason)")
        }
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        self.scheme = scheme
        self.host = authority.host
        self.port = authority.port ?? defaultPort
        self.target = target
        switch authority.host {
        case .name(let name): self.hostText = name
        case .address(let address): self.hostText = address.urlHost
        case .wildcard(let suffix): self.hostText = "*.\(suffix)"
        }
    }
}
