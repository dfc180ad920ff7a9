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

/// What kind of destination an address is, for deciding whether a plugin may connect to it.
package enum AddressClass: String, Sendable, Hashable {
    /// Globally routable: reachable by a listed host name without further ado.
    case `public`
    /// 127.0.0.0/8, ::1.
    case loopback
    /// 10/8, 172.16/12, 192.168/16, fc00::/7 (unique local), fec0::/10 (old site-local).
    case `private`
    /// 169.254/16 (including the 169.254.169.254 cloud metadata service), fe80::/10.
    case linkLocal = "link-local"
    /// 100.64/10, carrier-grade NAT.
    case sharedAddressSpace = "shared-address-space"
    /// 0.0.0.0/8, ::.
    case unspecified
    /// 224/4, ff00::/8, 255.255.255.255.
    case multicast
    /// Other special-purpose ranges no plugin has business with: 192.0.0/24, 192.0.2/24, 198.18/15,
    /// 198.51.100/24, 203.0.113/24, 240/4, 2001:db8::/32, 100::/64.
    case reserved

    /// Whether a plugin may connect to such an address without that exact host or IP being listed.
    public var isPublic: Bool { self == .public }
}

/// Classifies IP addresses into ``AddressClass``es. IPv6 forms that embed an IPv4 address (IPv4-mapped
/// `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are classified by the
/// IPv4 address they carry, since that is where the packets may end up.
package enum AddressClassifier {
    /// The class of `address`.
    public static func classify(_ address: IPAddress) -> AddressClass {
        switch address {
        case .v4(let value): return classify(v4: value)
        case .v6(let bytes): return classify(v6: bytes)
        }
    }

    /// The class of an address in text form; `nil` when `text` is not an IP address.
    public static func classify(_ text: String) -> AddressClass? {
        IPAddress(text).map(classify)
    }

    private static func inRange(_ value: UInt32, _ network: UInt32, _ prefix: Int) -> Bool {
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return value & mask == network & mask
    }

    private static func v4(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> UInt32 { a << 24 | b << 16 | c << 8 | d }

    package static func classify(v4 value: UInt32) -> AddressClass {
        if inRange(value, v4(0, 0, 0, 0), 8) { return .unspecified }
        if inRange(value, v4(127, 0, 0, 0), 8) { return .loopback }
        if inRange(value, v4(10, 0, 0, 0), 8) || inRange(value, v4(172, 16, 0, 0), 12) || inRange(value, v4(192, 168, 0, 0), 16) {
            return .private
        }
        if inRange(value, v4(169, 254, 0, 0), 16) { return .linkLocal }
        if inRange(value, v4(100, 64, 0, 0), 10) { return .sharedAddressSpace }
        if value == UInt32.max || inRange(value, v4(224, 0, 0, 0), 4) { return .multicast }
        let reserved: [(UInt32, Int)] = [
            (v4(192, 0, 0, 0), 24), (v4(192, 0, 2, 0), 24), (v4(198, 18, 0, 0), 15), (v4(198, 51, 100, 0), 24),
            (v4(203, 0, 113, 0), 24), (v4(240, 0, 0, 0), 4),
        ]
        if reserved.contains(where: { inRange(value, $0.0, $0.1) }) { return .reserved }
        return .public
    }

    package static func classify(v6 bytes: [UInt8]) -> AddressClass {
        guard bytes.count == 16 else { return .reserved }
        func embeddedV4(at offset: Int) -> UInt32 {
            bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        let zeros10 = bytes[0..<10].allSatisfy { $0 == 0 }
        if zeros10 && bytes[10] == 0 && bytes[11] == 0 {
            // ::, ::1, and the deprecated IPv4-compatible ::a.b.c.d.
            let tail = embeddedV4(at: 12)
            if tail == 0 { return .unspecified }
            if tail == 1 { return .loopback }
            return classify(v4: tail)
        }
        if zeros10 && bytes[10] == 0xFF && bytes[11] == 0xFF { return classify(v4: embeddedV4(at: 12)) }  // ::ffff:a.b.c.d
        if bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return classify(v4: embeddedV4(at: 12)) }  // NAT64
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return classify(v4: embeddedV4(at: 2)) }  // 6to4
        if bytes[0] == 0xFF { return .multicast }
        if bytes[0] & 0xFE == 0xFC { return .private }  // fc00::/7
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return .linkLocal }  // fe80::/10
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0xC0 { return .private }  // fec0::/10
        if bytes[0..<4] == [0x20, 0x01, 0x0D, 0xB8] { return .reserved }  // documentation
        if bytes[0..<8] == [0x01, 0x00, 0, 0, 0, 0, 0, 0] { return .reserved }  // discard-only
        // Only 2000::/3 is globally routed unicast.
        if bytes[0] & 0xE0 != 0x20 { return .reserved }
        return .public
    }
}
