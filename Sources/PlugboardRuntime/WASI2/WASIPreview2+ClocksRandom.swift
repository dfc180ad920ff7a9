#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest

/// `wasi:clocks` and `wasi:random`, when granted; denied, they answer 0 and zero bytes (WASI 0.2 gives them no way
/// to fail, and a component such as componentize-py's reads random bytes on its first call).
extension WASIPreview2 {
    private func now(_ clock: clockid_t) -> (seconds: UInt64, nanoseconds: UInt32) {
        guard capabilities.allowsClocks else { return (0, 0) }
        var time = timespec()
        clock_gettime(clock, &time)
        return (UInt64(time.tv_sec), UInt32(time.tv_nsec))
    }

    var wallClock: [String: Implementation] {
        [
            "now": { [self] _, _ in
                let (seconds, nanoseconds) = now(CLOCK_REALTIME)
                return [.record(["seconds": .u64(seconds), "nanoseconds": .u32(nanoseconds)])]
            },
            "resolution": { _, _ in [.record(["seconds": .u64(0), "nanoseconds": .u32(1_000)])] },
        ]
    }

    var monotonicClock: [String: Implementation] {
        [
            "now": { [self] _, _ in
                let (seconds, nanoseconds) = now(CLOCK_MONOTONIC)
                return [.u64(seconds &* 1_000_000_000 &+ UInt64(nanoseconds))]
            },
            "resolution": { _, _ in [.u64(1_000)] },
            "subscribe-instant": { _, function in [try Self.own(function.results.first, WASIPollable())] },
            "subscribe-duration": { _, function in [try Self.own(function.results.first, WASIPollable())] },
        ]
    }

    /// `count` random bytes (zeros when random is denied), at most the host-call budget.
    private func randomBytes(_ count: UInt64) throws -> [UInt8] {
        guard count <= UInt64(maxRandomBytes) else {
            throw PlugboardError.valueTooLarge("get-random-bytes(\(count))", bytes: Int(clamping: count))
        }
        var bytes = [UInt8](repeating: 0, count: Int(count))
        if capabilities.allowsRandom, !bytes.isEmpty { try SystemEntropy.fill(&bytes, stopCheck: stopCheck) }
        return bytes
    }

    private func randomU64() throws -> UInt64 {
        try randomBytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    var random: [String: Implementation] {
        [
            "get-random-bytes": { [self] arguments, _ in [.list(try randomBytes(try Self.u64(arguments.first)).map(WITValue.u8))] },
            "get-random-u64": { [self] _, _ in [.u64(try randomU64())] },
        ]
    }

    var insecureRandom: [String: Implementation] {
        [
            "get-insecure-random-bytes": { [self] arguments, _ in [.list(try randomBytes(try Self.u64(arguments.first)).map(WITValue.u8))] },
            "get-insecure-random-u64": { [self] _, _ in [.u64(try randomU64())] },
        ]
    }

    var insecureSeed: [String: Implementation] {
        ["insecure-seed": { [self] _, _ in [.tuple([.u64(try randomU64()), .u64(try randomU64())])] }]
    }
}
