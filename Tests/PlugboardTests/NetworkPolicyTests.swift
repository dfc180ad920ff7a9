import Foundation
import Plugboard
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// The network allowlist's pieces without a network: the address classifier, `scheme://host[:port]` patterns,
/// and their spellings as a runtime `Capability` and in `plugin.toml`.
@Suite struct NetworkPolicyTests {
    static let addressTable: [(String, AddressClass)] = [
        ("8.8.8.8", .public), ("1.1.1.1", .public), ("93.184.216.34", .public),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback),
        ("10.0.0.1", .private), ("172.16.0.1", .private), ("172.31.255.255", .private), ("192.168.1.1", .private),
        ("172.15.255.255", .public), ("172.32.0.0", .public), ("192.169.0.1", .public),
        ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal),
        ("100.64.0.1", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace), ("100.128.0.0", .public),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified),
        ("224.0.0.1", .multicast), ("239.255.255.255", .multicast), ("255.255.255.255", .multicast),
        ("192.0.2.1", .reserved), ("198.18.0.1", .reserved), ("240.0.0.1", .reserved),
        ("::1", .loopback), ("::", .unspecified),
        ("fc00::1", .private), ("fd12:3456::1", .private), ("fec0::1", .private),
        ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
        ("ff02::1", .multicast), ("2001:db8::1", .reserved),
        ("2606:4700:4700::1111", .public), ("2a00:1450:4001::200e", .public),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:10.1.2.3", .private), ("::ffff:169.254.169.254", .linkLocal),
        ("::ffff:8.8.8.8", .public), ("::127.0.0.1", .loopback), ("64:ff9b::a00:1", .private), ("2002:7f00:1::", .loopback),
        ("2002:808:808::1", .public),
    ]

    @Test func addressClassifierTable() {
        for (text, expected) in Self.addressTable {
            #expect(AddressClassifier.classify(text) == expected, "\(text)")
        }
        #expect(AddressClass.public.isPublic)
        #expect(!AddressClass.loopback.isPublic)
    }

    @Test func shorthandAndZonedAddressesAreNotAddresses() {
        for text in ["127.1", "2130706433", "0x7f.0.0.1", "fe80::1%eth0", "[::1]", "1.2.3.4.5", ""] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
        #expect(IPAddress("::FFFF:7f00:1")?.description == "::ffff:127.0.0.1")
    }

    @Test func patternsParseWithDefaultPortsAndCanonicalText() throws {
        let cases: [(String, String, Int)] = [
            ("https://api.example.com", "https://api.example.com", 443),
            ("HTTP://API.Example.com.:80/", "http://api.example.com", 80),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080", 8080),
            ("https://[::1]:8443", "https://[::1]:8443", 8443),
            ("https://*.example.com", "https://*.example.com", 443),
        ]
        for (text, canonical, port) in cases {
            let pattern = try NetworkPattern(parsing: text)
            #expect(pattern.description == canonical)
            #expect(pattern.port == port)
        }
        #expect(try NetworkPattern(parsing: "https://*.example.com").host == .wildcard(suffix: "example.com"))
        #expect(try NetworkPattern(parsing: "http://10.0.0.1").host == .address(IPAddress("10.0.0.1")!))
    }

    @Test func badPatternsAreRejectedSayingWhy() throws {
        let cases: [(String, String)] = [
            ("api.example.com", "no scheme"),
            ("ftp://example.com", "not http or https"),
            ("https://example.com/path", "path"),
            ("https://user@example.com", "user name"),
            ("https://example.com:0", "port '0'"),
            ("https://example.com:99999", "port"),
            ("https://example.com:http", "port"),
            ("https://*", "'*' may only be"),
            ("https://*.", "'*' may only be"),
            ("https://a.*.com", "'*' may only be"),
            ("https://::1", "brackets"),
            ("https://[::1", "closing"),
            ("https://[127.0.0.1]", "not an IPv6"),
            ("https://exa mple.com", "not a valid host"),
            ("https://bücher.de", "xn--"),
            ("http://127.1", "neither a host name nor"),
            ("https://", "no host"),
        ]
        for (text, fragment) in cases {
            let error = try #require(throws: PlugboardError.self, "\(text)") { try NetworkPattern(parsing: text) }
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(fragment), "\(text): \(error.message)")
            #expect(error.description.contains("scheme://host[:port]"), "the hint shows the form")
        }
    }

    @Test func networkCapabilitySpellings() throws {
        let capability = try Capability(parsing: "network:http://127.0.0.1:8080")
        #expect(capability == .network(try NetworkPattern(parsing: "http://127.0.0.1:8080")))
        #expect(capability.description == "network:http://127.0.0.1:8080")
        #expect(Capability.knownNames.contains("network:scheme://host[:port]"))
        let bad = try #require(throws: PlugboardError.self) { try Capability(parsing: "network:gopher://x") }
        #expect(bad.message.contains("gopher"))

        var granted = PluginCapabilities()
        granted.apply(capability, granted: true)
        granted.apply(capability, granted: true)
        #expect(granted.network.map(\.description) == ["http://127.0.0.1:8080"])
        granted.apply(capability, granted: false)
        #expect(granted.network.isEmpty)
    }

    @Test func manifestNetworkEntriesParseAndBadOnesNameKeyAndLine() throws {
        let manifest = try PluginManifest(
            parsing: "[capabilities]\nnetwork = [\"https://api.example.com\", \"http://127.0.0.1:8080\"]\n", fileName: "plugin.toml")
        #expect(manifest.capabilities.network.map(\.description) == ["https://api.example.com", "http://127.0.0.1:8080"])
        #expect(manifest.loadOptions(environment: [:]).capabilities.network.count == 2)
        #expect(PluginManifest(fileName: "x").loadOptions(environment: [:]).capabilities.network.isEmpty, "deny by default")

        let error = try #require(throws: PlugboardError.self) {
            try PluginManifest(parsing: "name = \"p\"\n[capabilities]\nclocks = true\nnetwork = [\"https://ok.example\", \"https://x/y\"]\n")
        }
        #expect(error.code == .invalidManifest)
        #expect(error.message.contains("plugin.toml line 4"))
        #expect(error.message.contains("'network' in [capabilities]"))
        #expect(error.message.contains("https://x/y"))
        let wrongType = try #require(throws: PlugboardError.self) { try PluginManifest(parsing: "[capabilities]\nnetwork = \"https://a.b\"\n") }
        #expect(wrongType.message.contains("must be an array of strings"))
    }
}
