import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
import Synchronization

extension PluginRegistry {
    /// Calls an exported WIT function of plugin `name` on the version `key` routes to (the stable version, or the
    /// canary for its share of keys; without a key, a uniformly random share of calls).
    ///
    /// - Throws: ``PlugboardError``: the call's own error, `pluginNotFound`, or `quarantined`.
    public nonisolated func call(
        _ name: String, function: String, interface: String? = nil, arguments: [WITValue], key: String? = nil
    ) async throws -> Routed<[WITValue]> {
        try await routed(name, key: key, judge: { _ in .ok }) { plugin in
            try await plugin.call(function, interface: interface, arguments: arguments)
        }
    }

    /// Calls `process` of a default-world plugin on the version `key` routes to, under the plugin's failure policy:
    /// `fail-open` answers the policy's fallback (with `success: false`) instead of an error, `reload` retries a
    /// crashed call once on a fresh instance after a backoff.
    public nonisolated func process(_ name: String, _ request: ProcessRequest, key: String? = nil) async throws -> Routed<ProcessResponse> {
        do {
            return try await routed(name, key: key, judge: { $0.success ? .ok : .rejected }) { plugin in
                try await plugin.process(request)
            }
        } catch let error as PlugboardError where error.code != .pluginNotFound && error.code != .cancelled {
            guard let stable = routes.withLock({ $0[name]?.stable }), stable.settings.failure.mode == .failOpen else { throw error }
            let failure = stable.settings.failure
            return Routed(
                value: ProcessResponse(output: failure.fallback, success: false, errorMessage: error.description),
                version: stable.version, servedByCanary: false)
        }
    }

    /// Runs `body` on a version of plugin `name`, records how it went, and applies guardrails and the failure policy.
    /// Runs on the caller's task: it enters the actor only to roll a canary back or quarantine a version.
    private nonisolated func routed<Value: Sendable>(
        _ name: String, key: String?, judge: @Sendable (Value) -> CallOutcome, _ body: @escaping @Sendable (Plugin) async throws -> Value
    ) async throws -> Routed<Value> {
        var attempt = 0
        while true {
            attempt += 1
            let (version, isCanary) = try route(name, key: key)
            let started = ContinuousClock.now
            do {
                let plugin = version.plugin
                let (value, report) = try await CallReport.recording { try await body(plugin) }
                let outcome = judge(value)
                await observe(name, version, isCanary: isCanary, outcome, since: started, fuel: report.fuelUsed, memory: report.memoryBytes, error: nil)
                return Routed(value: value, version: version.version, servedByCanary: isCanary)
            } catch let error as PlugboardError where error.code == .pluginUnloaded && attempt < 5 {
                continue  // the version was swapped out between routing and borrowing an instance: route again
            } catch let error as PlugboardError {
                let outcome = CallOutcome(error)
                let crashes = await observe(name, version, isCanary: isCanary, outcome, since: started, fuel: nil, memory: nil, error: error.description)
                if outcome.isCrash, !isCanary, version.settings.failure.mode == .reload, attempt == 1, routes.withLock({ $0[name]?.quarantine }) == nil {
                    try await Task.sleep(for: Self.backoff(afterCrashes: crashes))
                    continue
                }
                throw error
            }
        }
    }

    /// 100 ms after the first crash, doubling with each consecutive one, at most 10 s.
    package static func backoff(afterCrashes crashes: Int) -> Duration {
        .milliseconds(100 * (1 << min(max(crashes - 1, 0), 7)))
    }

    /// The version a call goes to.
    package nonisolated func route(_ name: String, key: String?) throws -> (PluginVersion, isCanary: Bool) {
        guard let entry = routes.withLock({ $0[name] }) else { throw notFound(name) }
        if let reason = entry.quarantine { throw PlugboardError.quarantined(name, reason: reason) }
        if let canary = entry.canary, CanaryRouter(plugin: name, canaryPercent: entry.canaryPercent).route(key: key) == .canary {
            return (canary, true)
        }
        return (entry.stable, false)
    }

    /// Records a call's outcome (on the caller's task); rolls a canary back on a breached guardrail and quarantines
    /// a crashing stable version (in the actor, entered only then). Returns the crashes in the failure policy's window.
    @discardableResult
    private nonisolated func observe(
        _ name: String, _ version: PluginVersion, isCanary: Bool, _ outcome: CallOutcome, since started: ContinuousClock.Instant,
        fuel: UInt64?, memory: Int?, error: String?
    ) async -> Int {
        let latency = ContinuousClock.now - started
        let failure = version.settings.failure
        let crashes = version.stats.record(outcome, latency: latency, fuelUsed: fuel, memoryBytes: memory, error: error, crashWindow: failure.crashWindow)
        version.metrics.record(outcome, latency: latency, fuelUsed: fuel, memoryHighWater: version.stats.memoryHighWater)
        guard let route = routes.withLock({ $0[name] }) else { return crashes }
        let mayAct: Bool
        if isCanary {
            mayAct = route.canary?.id == version.id
                && version.settings.guardrails.breach(canary: version.stats.snapshot, stable: route.stable.stats.snapshot) != nil
        } else {
            mayAct = route.stable.id == version.id && outcome.isCrash && route.quarantine == nil && crashes >= failure.maxCrashes
        }
        if mayAct { await enforce(name, version, isCanary: isCanary, outcome, crashes: crashes, error: error) }
        return crashes
    }

    /// Rolls back a canary whose guardrail is breached, or quarantines a stable version that crashed too often,
    /// checking again inside the actor (another call may have done it meanwhile).
    private func enforce(_ name: String, _ version: PluginVersion, isCanary: Bool, _ outcome: CallOutcome, crashes: Int, error: String?) {
        let failure = version.settings.failure
        guard var entry = entries[name] else { return }
        if isCanary {
            guard entry.canary?.id == version.id else { return }
            if let breach = version.settings.guardrails.breach(canary: version.stats.snapshot, stable: entry.stable.stats.snapshot) {
                entry.canary = nil
                entry.canaryPercent = 0
                entries[name] = entry
                persist { try $0.autoRollback(name, reason: breach) }
                metrics.rollback(name, reason: "automatic")
                record(RolloutEvent(plugin: name, kind: .autoRolledBack, version: version.version, detail: breach))
                retire([version])
            }
        } else if entry.stable.id == version.id, outcome.isCrash, entry.quarantine == nil, crashes >= failure.maxCrashes {
            let reason = "\(crashes) crashes within \(Self.seconds(failure.crashWindow)) (max-crashes \(failure.maxCrashes)); last: \(error ?? "unknown")"
            entries[name]?.quarantine = reason
            persist { try $0.quarantine(name, reason: reason) }
            metrics.quarantine(name)
            record(RolloutEvent(plugin: name, kind: .quarantined, version: version.version, detail: reason))
        }
    }

    package static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%g s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

/// One request of a ``PluginRegistry/batch(_:concurrency:)``.
public struct BatchRequest: Sendable {
    public var plugin: String
    public var request: ProcessRequest
    /// The routing key, for sticky canary routing.
    public var key: String?

    public init(plugin: String, request: ProcessRequest, key: String? = nil) {
        self.plugin = plugin
        self.request = request
        self.key = key
    }
}

extension PluginRegistry {
    /// Runs `process` for every request, at most `concurrency` at a time; the results are in request order and one
    /// failure does not fail the others.
    public nonisolated func batch(_ requests: [BatchRequest], concurrency: Int) async -> [Result<Routed<ProcessResponse>, PlugboardError>] {
        let limit = max(1, concurrency)
        var results = [Result<Routed<ProcessResponse>, PlugboardError>?](repeating: nil, count: requests.count)
        await withTaskGroup(of: (Int, Result<Routed<ProcessResponse>, PlugboardError>).self) { group in
            var next = 0
            func startNext() {
                guard next < requests.count else { return }
                let index = next
                let request = requests[index]
                next += 1
                group.addTask {
                    do {
                        return (index, .success(try await self.process(request.plugin, request.request, key: request.key)))
                    } catch let error as PlugboardError {
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(PlugboardError.callCancelled()))
                    }
                }
            }
            for _ in 0..<limit { startNext() }
            while let (index, result) = await group.next() {
                results[index] = result
                startNext()
            }
        }
        return results.map { $0! }
    }
}
