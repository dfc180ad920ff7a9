import Foundation
import PlugboardABI

/// One entry of a plugin's network allowlist: `scheme://host[:port]`, e.g. `https://api.example.com`,
/// `http://127.0.0.1:8080`, `https://[2001:db8::1]:8443` or `https://*.example.com`.
///
/// - The scheme is `http` or `https`; the port defaults to the scheme's (80, 443) and a pattern matches only
///   that one port.
/// - The host is a DNS name, an IPv4 address (dotted quad) or a bracketed IPv6 address. Names are compared
///   case-insensitively, without a trailing dot; non-ASCII names must be written in their `xn--` form.
/// - `*.example.com` matches every name below `example.com` (`a.example.com`, `a.b.example.com`), not
///   `example.com` itself. A wildcard never grants a non-public address: a name it matches must resolve only
///   to public addresses. Loopback, private and other non-public destinations are reachable only through an
///   entry naming exactly that host or IP address.
/// - No user, path, query or fragment: the allowlist is about destinations.
public struct NetworkPattern: Sendable, Hashable, CustomStringConvertible {
    /// The host part of a pattern.
    public enum Host: Sendable, Hashable {
        /// A DNS name, lowercase, without a trailing dot.
        case name(String)
        /// An IP address literal.
        case address(IPAddress)
        /// `*.suffix`: any name ending in `.suffix`.
        case wildcard(suffix: String)
    }

    /// `http` or `https`.
    public var scheme: String
    public var host: Host
    public var port: Int

    /// Parses `scheme://host[:port]` (a single trailing `/` is accepted).
    /// - Throws: ``PlugboardError/Code/invalidArgument`` saying what is wrong with `text` and how to write it.
    public init(parsing text: String) throws(PlugboardError) {
        var rest = Substring(text)
        guard let separator = rest.range(of: "://") else {
            throw .invalidNetworkPattern(text, reason: "it has no scheme")
        }
        let scheme = rest[..<separator.lowerBound].lowercased()
        guard let defaultPort = Self.defaultPort(of: scheme) else {
            throw .invalidNetworkPattern(text, reason: "the scheme '\(scheme)' is not http or https")
        }
        rest = rest[separator.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if let bad = rest.first(where: { "/?#@".contains($0) }) {
            let what = bad == "@" ? "a user name" : "a path, query or fragment"
            throw .invalidNetworkPattern(text, reason: "it has \(what); an entry names only scheme, host and port")
        }
        let authority: Authority
        do throws(Authority.Invalid) {
            authority = try Authority(parsing: rest, allowWildcard: true)
        } catch {
            throw .invalidNetworkPattern(text, reason: error.reason)
        }
        self.scheme = scheme
        self.host = authority.host
        self.port = authority.port ?? defaultPort
    }

    /// `scheme://host[:port]`, the port omitted when it is the scheme's default.
    public var description: String {
        let hostText: String
        switch host {
        case .name(let name): hostText = name
        case .address(let address): hostText = address.urlHost
        case .wildcard(let suffix): hostText = "*.\(suffix)"
        }
        return port == Self.defaultPort(of: scheme) ? "\(scheme)://\(hostText)" : "\(scheme)://\(hostText):\(port)"
    }

    package static func defaultPort(of scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }

    /// How this entry matches a destination.
    package enum Match { case none, wildcard, exact }

    package func match(scheme: String, host: Host, port: Int) -> Match {
        guard scheme == self.scheme, port == self.port else { return .none }
        switch (self.host, host) {
        case (.name(let listed), .name(let name)): return listed == name ? .exact : .none
        case (.address(let listed), .address(let address)): return listed == address ? .exact : .none
        case (.wildcard(let suffix), .name(let name)): return name.hasSuffix("." + suffix) ? .wildcard : .none
        default: return .none
        }
    }
}

/// `host[:port]` of a pattern or URL.
package struct Authority {
    package struct Invalid: Error {
        package var reason: String
    }

    package var host: NetworkPattern.Host
    package var port: Int?

    package init(parsing text: Substring, allowWildcard: Bool) throws(Invalid) {
        var hostText: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw Invalid(reason: "its IPv6 address has no closing ']'") }
            let literal = String(text[text.index(after: text.startIndex)..<close])
            guard let address = IPAddress(literal), case .v6 = address else {
                throw Invalid(reason: "'\(literal)' is not an IPv6 address")
            }
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Invalid(reason: "unexpected '\(after)' after the IPv6 address") }
                portText = after.dropFirst()
            }
            host = .address(address)
            hostText = ""
        } else {
            hostText = text
            if let colon = text.lastIndex(of: ":") {
                hostText = text[..<colon]
                portText = text[text.index(after: colon)...]
            }
            if hostText.contains(":") { throw Invalid(reason: "an IPv6 address must be in brackets, e.g. [::1]") }
            host = .name("")
        }
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
                (1...65535).contains(port)
            else { throw Invalid(reason: "the port '\(portText)' is not a number from 1 to 65535") }
            self.port = port
        }
        if case .address = host { return }
        host = try Self.host(hostText, allowWildcard: allowWildcard)
    }

    private static func host(_ text: Substring, allowWildcard: Bool) throws(Invalid) -> NetworkPattern.Host {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw Invalid(reason: "it has no host") }
        if name.hasPrefix("*.") {
            guard allowWildcard else { throw Invalid(reason: "'*' is not allowed in a host name") }
            let suffix = String(name.dropFirst(2))
            try checkName(suffix)
            return .wildcard(suffix: suffix)
        }
        if name.contains("*") { throw Invalid(reason: "'*' may only be the whole first label, as in *.example.com") }
        if let address = IPAddress(name), case .v4 = address { return .address(address) }
        try checkName(name)
        return .name(name)
    }

    /// Letters, digits, `-` and `_` in labels of 1 to 63 characters, at most 253 in all; the last label not all
    /// digits (so `127.1` or `2130706433` are not taken as names for an IPv4 address).
    private static func checkName(_ name: String) throws(Invalid) {
        guard name.unicodeScalars.allSatisfy(\.isASCII) else {
            throw Invalid(reason: "the host '\(name)' is not ASCII; write an internationalized name in its xn-- form")
        }
        guard name.utf8.count <= 253 else { throw Invalid(reason: "the host name is longer than 253 characters") }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63,
                label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }),
                !label.hasPrefix("-"), !label.hasSuffix("-")
            else { throw Invalid(reason: "'\(name)' is not a valid host name") }
        }
        if let last = labels.last, last.allSatisfy(\.isNumber) {
            throw Invalid(reason: "'\(name)' is neither a host name nor a dotted-quad IPv4 address")
        }
    }
}
