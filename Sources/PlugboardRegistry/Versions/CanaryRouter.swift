import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// Splits one plugin's calls between its stable version and its canary.
///
/// With a request key the split is sticky: the key's bucket is `fmix64(FNV-1a-64(UTF-8 of "<plugin>\0<key>")) mod
/// 10,000` (FNV-1a, then MurmurHash3's 64-bit finalizer so that similar keys spread evenly),
/// and the canary serves the buckets below `percent × 100`. The same key therefore always lands on the same
/// version for a given split, raising the percentage only moves keys from stable to canary, and, because the plugin's
/// name is part of the hash, each plugin's canary sees a different sample of keys. Without a key, each call goes to
/// the canary with probability `percent / 100`.
package struct CanaryRouter: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case stable
        case canary
    }

    /// The number of buckets keys hash into (a split is exact to 0.01 %).
    public static let buckets: UInt64 = 10_000

    public var plugin: String
    /// The canary's share of calls, 0...100.
    public var canaryPercent: Double

    public init(plugin: String, canaryPercent: Double) {
        self.plugin = plugin
        self.canaryPercent = min(100, max(0, canaryPercent))
    }

    /// Where a call with `key` (or without one) goes.
    public func route(key: String?) -> Target {
        let threshold = UInt64((canaryPercent * Double(Self.buckets) / 100).rounded())
        guard threshold > 0 else { return .stable }
        guard threshold < Self.buckets else { return .canary }
        let bucket = key.map { Self.bucket(plugin: plugin, key: $0) } ?? UInt64.random(in: 0..<Self.buckets)
        return bucket < threshold ? .canary : .stable
    }

    /// The bucket, in `0..<buckets`, that `key` falls in for `plugin`.
    public static func bucket(plugin: String, key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in plugin.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ 0) &* 0x0000_0100_0000_01b3
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash % buckets
    }
}
