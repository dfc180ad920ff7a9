/// Messages for a plugin that hit one of its ``PluginLimits``: each names the quota, what was asked, and the
/// setting that raises it.
extension PlugboardError {
    /// Where every limit is raised, for hints.
    package static func raiseHint(_ field: String, manifestKey: String, flag: String?) -> String {
        let cli = flag.map { ", or `plugboard run \($0)`" } ?? ""
        return "Raise PluginLimits.\(field) (PluginHost.LoadOptions.limits, `\(manifestKey)` under [limits] in plugin.toml\(cli))"
    }

    /// The call ran past its wall-clock deadline and was stopped.
    package static func timeout(limit: Duration, elapsed: Duration) -> PlugboardError {
        var error = PlugboardError(
            .timeout,
            "plugin timeout: the call was stopped after \(millisecondText(elapsed)), over its wall-clock limit of \(millisecondText(limit))",
            hint: "Fix the loop in the plugin if it should have finished, or "
                + raiseHint("timeout", manifestKey: "timeout-ms", flag: "--timeout-ms N").lowercasedFirst)
        error.elapsed = elapsed
        return error
    }

    /// The task that made the call was cancelled while the plugin ran.
    package static func callCancelled() -> PlugboardError {
        PlugboardError(
            .cancelled, "call cancelled: the Swift task that made the call was cancelled while the plugin ran, so the plugin was stopped",
            hint: "Nothing to fix if the cancellation was intended; the plugin's next call gets a fresh instance")
    }

    package static func millisecondText(_ duration: Duration) -> String {
        let milliseconds = duration.inMilliseconds
        return milliseconds >= 10 ? "\(Int(milliseconds.rounded())) ms" : "\((milliseconds * 10).rounded() / 10) ms"
    }

    /// The module's initial memory is larger than the quota: the plugin is refused at instantiation.
    package static func initialMemoryOverLimit(requestedBytes: Int, limitBytes: Int) -> PlugboardError {
        PlugboardError(
            .memoryLimitExceeded,
            "resource limit exceeded: memory: the module asks for \(byteText(requestedBytes)) of initial linear memory "
                + "(\(requestedBytes / 65536) pages) but its quota is \(byteText(limitBytes))",
            hint: raiseHint("maxMemoryBytes", manifestKey: "max-memory-mb", flag: "--max-memory-mb N") + ", or build the plugin with a smaller initial memory")
    }

    /// A `memory.grow` was denied (the guest saw -1) and the call then failed.
    package static func memoryGrowthOverLimit(requestedBytes: Int, limitBytes: Int, after underlying: PlugboardError) -> PlugboardError {
        PlugboardError(
            .memoryLimitExceeded,
            "resource limit exceeded: memory: the plugin asked to grow its linear memory to \(byteText(requestedBytes)) but its quota is "
                + "\(byteText(limitBytes)); memory.grow returned -1 and the call then failed (\(underlying.message))",
            hint: raiseHint("maxMemoryBytes", manifestKey: "max-memory-mb", flag: "--max-memory-mb N"), backtrace: underlying.backtrace)
    }

    package static func fuelExhausted(budget: UInt64, inFunction: String, backtrace: [String]) -> PlugboardError {
        PlugboardError(
            .fuelExhausted,
            "fuel exhausted: the call used up its budget of \(budget) fuel units (about one per Wasm instruction)\(inFunction)",
            hint: "Fix the loop in the plugin if it should have finished, or " + raiseHint("fuelPerCall", manifestKey: "fuel", flag: "--fuel N").lowercasedFirst,
            backtrace: backtrace)
    }

    package static func outputLimitExceeded(_ what: String, bytes: Int, used: Int, limit: Int) -> PlugboardError {
        PlugboardError(
            .outputLimitExceeded,
            "output limit exceeded: the plugin returned \(what) after \(byteText(used)) of other output, over its limit of "
                + "\(byteText(limit)); nothing was copied out of guest memory",
            hint: raiseHint("maxOutputBytes", manifestKey: "max-output-mb", flag: nil))
    }

    package static func byteText(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 20 { return "\(bytes) bytes (\(bytes >> 20) MiB)" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

extension String {
    fileprivate var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
