import Metrics
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// The swift-metrics of one plugin version, all labelled `plugin`, `version` and `engine` (and `outcome` on calls).
///
/// Names, as a Prometheus exporter shows them: `plugboard_calls_total{plugin,version,engine,outcome}`,
/// `plugboard_call_duration_seconds{plugin,version,engine}`, `plugboard_fuel_used_total{plugin,version,engine}` and
/// `plugboard_memory_high_water_bytes{plugin,version,engine}`. Registry-wide events are counted by ``RegistryMetrics``.
package struct VersionMetrics: Sendable {
    private let calls: [CallOutcome: Counter]
    private let duration: Metrics.Timer
    private let fuel: Counter
    private let memory: Gauge

    package init(plugin: String, version: String, engine: String, factory: any MetricsFactory) {
        let labels = [("plugin", plugin), ("version", version), ("engine", engine)]
        var calls: [CallOutcome: Counter] = [:]
        for outcome in CallOutcome.allCases {
            calls[outcome] = Counter(label: "plugboard_calls_total", dimensions: labels + [("outcome", outcome.rawValue)], factory: factory)
        }
        self.calls = calls
        duration = Metrics.Timer(label: "plugboard_call_duration_seconds", dimensions: labels, factory: factory)
        fuel = Counter(label: "plugboard_fuel_used_total", dimensions: labels, factory: factory)
        memory = Gauge(label: "plugboard_memory_high_water_bytes", dimensions: labels, factory: factory)
    }

    package func record(_ outcome: CallOutcome, latency: Duration, fuelUsed: UInt64?, memoryHighWater: Int) {
        calls[outcome]?.increment()
        duration.recordNanoseconds(latency.nanoseconds)
        if let fuelUsed { fuel.increment(by: Int64(clamping: fuelUsed)) }
        memory.record(memoryHighWater)
    }
}

/// Registry-wide swift-metrics: `plugboard_reloads_total{plugin,outcome}` (`ok` or `refused`),
/// `plugboard_rollbacks_total{plugin,reason}` (`manual`, `automatic`, `stable`) and
/// `plugboard_quarantines_total{plugin}`.
package struct RegistryMetrics: Sendable {
    package let factory: any MetricsFactory

    package func reload(_ plugin: String, refused: Bool) {
        Counter(label: "plugboard_reloads_total", dimensions: [("plugin", plugin), ("outcome", refused ? "refused" : "ok")], factory: factory)
            .increment()
    }

    package func rollback(_ plugin: String, reason: String) {
        Counter(label: "plugboard_rollbacks_total", dimensions: [("plugin", plugin), ("reason", reason)], factory: factory).increment()
    }

    package func quarantine(_ plugin: String) {
        Counter(label: "plugboard_quarantines_total", dimensions: [("plugin", plugin)], factory: factory).increment()
    }
}

extension Duration {
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole &+ attoseconds / 1_000_000_000
    }
}
