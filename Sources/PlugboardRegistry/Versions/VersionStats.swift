import Foundation
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// How one call to a plugin version ended, as metrics and guardrails count it.
public enum CallOutcome: String, Sendable, Hashable, CaseIterable {
    /// Returned normally (a `process` response with `success: false` is `rejected`).
    case ok
    /// `process` answered with `success: false`.
    case rejected
    /// The call failed without the guest faulting (a bad argument, a failing host function, ...).
    case error
    /// The guest trapped or broke the ABI.
    case trap
    /// The call ran past its deadline.
    case timeout
    /// The call hit the memory, fuel, stack or output limit.
    case limit
    /// The calling task was cancelled.
    case cancelled

    package init(_ error: PlugboardError) {
        switch error.category {
        case .timeout: self = .timeout
        case .cancelled: self = .cancelled
        case .limit: self = .limit
        case .guestFault: self = .trap
        default: self = .error
        }
    }

    /// Counts against the error-rate guardrail.
    package var isFailure: Bool { self != .ok && self != .cancelled }
    /// A crash: the guest faulted and its instance was (or may have been) lost.
    package var isCrash: Bool { self == .trap || self == .timeout || self == .limit }
}

/// Counters and recent latencies of one plugin version, updated by every call from any thread.
public final class VersionStats: Sendable {
    /// A point-in-time copy of the counters.
    public struct Snapshot: Sendable, Hashable {
        public var calls = 0
        /// Failed calls: errors, traps, timeouts, limits and rejected `process` responses.
        public var failures = 0
        /// Traps, timeouts and limit hits.
        public var crashes = 0
        public var timeouts = 0
        public var fuelUsed: UInt64 = 0
        /// The largest linear memory an instance of this version had after a call, in bytes.
        public var memoryHighWater = 0
        /// The 95th percentile of the recent call latencies (the last ``VersionStats/latencyWindow`` calls).
        public var p95: Duration?
        public var p50: Duration?
        public var lastError: String?

        public var failureRate: Double { calls == 0 ? 0 : Double(failures) / Double(calls) }
        public var crashRate: Double { calls == 0 ? 0 : Double(crashes) / Double(calls) }
    }

    /// How many recent latencies the percentiles are taken over.
    public static let latencyWindow = 1024

    private struct State {
        var snapshot = Snapshot()
        var latencies: [Duration] = []
        var next = 0
        var crashTimes: [ContinuousClock.Instant] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Records one call; returns how many crashes happened within `crashWindow` up to now.
    @discardableResult
    package func record(
        _ outcome: CallOutcome, latency: Duration, fuelUsed: UInt64? = nil, memoryBytes: Int? = nil, error: String? = nil,
        crashWindow: Duration = .seconds(60)
    ) -> Int {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.snapshot.calls += 1
            if outcome.isFailure { state.snapshot.failures += 1 }
            if outcome == .timeout { state.snapshot.timeouts += 1 }
            if let fuelUsed { state.snapshot.fuelUsed &+= fuelUsed }
            if let memoryBytes { state.snapshot.memoryHighWater = max(state.snapshot.memoryHighWater, memoryBytes) }
            if let error { state.snapshot.lastError = error }
            if state.latencies.count < Self.latencyWindow {
                state.latencies.append(latency)
            } else {
                state.latencies[state.next] = latency
            }
            state.next = (state.next + 1) % Self.latencyWindow
            if outcome.isCrash {
                state.snapshot.crashes += 1
                state.crashTimes.append(now)
            }
            state.crashTimes.removeAll { now - $0 > crashWindow }
            return state.crashTimes.count
        }
    }

    /// The largest linear memory seen, without the cost of a ``snapshot`` (which sorts the recent latencies).
    public var memoryHighWater: Int { state.withLock { $0.snapshot.memoryHighWater } }

    /// The counters now, with percentiles of the recent latencies.
    public var snapshot: Snapshot {
        let (snapshot, latencies) = state.withLock { ($0.snapshot, $0.latencies) }
        var result = snapshot
        let sorted = latencies.sorted()
        if !sorted.isEmpty {
            result.p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
            result.p50 = sorted[(sorted.count - 1) / 2]
        }
        return result
    }
}

extension CanaryGuardrails {
    /// The first guardrail `canary` breaches, described with its numbers, or `nil` (also before ``minimumCalls``).
    public func breach(canary: VersionStats.Snapshot, stable: VersionStats.Snapshot) -> String? {
        guard canary.calls >= minimumCalls else { return nil }
        if canary.crashRate > maxTrapRate {
            return "trap rate \(Self.percent(canary.crashRate)) over \(canary.calls) calls exceeds max-trap-rate \(Self.percent(maxTrapRate))"
        }
        if canary.failureRate > maxErrorRate {
            return "error rate \(Self.percent(canary.failureRate)) over \(canary.calls) calls exceeds max-error-rate \(Self.percent(maxErrorRate))"
        }
        if stable.calls >= minimumCalls, let canaryP95 = canary.p95, let stableP95 = stable.p95, stableP95 > .zero, canaryP95 >= minimumP95 {
            let ratio = canaryP95 / stableP95
            if ratio > maxP95Ratio {
                return "p95 latency \(Self.milliseconds(canaryP95)) is \(String(format: "%.1f", ratio))× the stable version's \(Self.milliseconds(stableP95)), over max-p95-ratio \(maxP95Ratio)"
            }
        }
        return nil
    }

    package static func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }

    package static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.2f ms", duration.inMilliseconds)
    }
}
