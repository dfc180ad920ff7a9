import PlugboardABI

/// How a plugin's warm instances are pooled: how many, how long each lives, how long an idle one is kept, and how
/// many calls may wait for one, for how long.
public struct InstancePoolConfiguration: Sendable, Hashable {
    /// The most instances, and so the most calls running at once on one version (default 2; a ``PluginHost`` plugin
    /// has 1). Further calls wait, first come first served.
    public var size: Int
    /// Calls after which an instance is replaced by a fresh one (default 10,000), so state a guest accumulates
    /// (a leak, a fragmented heap) cannot grow without bound.
    public var maxInvocations: Int
    /// How long an instance may stay unused before it is released (default 5 minutes); one instance always stays warm.
    public var idleTimeout: Duration
    /// The most calls that may wait for an instance (default 512); a call arriving when as many wait fails at once
    /// with `overloaded`.
    public var maxQueue: Int
    /// The longest a call waits for an instance (default 10 s) before it fails with `overloaded`. Waiting also counts
    /// toward the call's own deadline (``PluginLimits/timeout``), whichever comes first.
    public var maxWait: Duration

    public init(size: Int = 2, maxInvocations: Int = 10_000, idleTimeout: Duration = .seconds(300), maxQueue: Int = 512, maxWait: Duration = .seconds(10)) {
        self.size = max(1, size)
        self.maxInvocations = max(1, maxInvocations)
        self.idleTimeout = idleTimeout
        self.maxQueue = max(0, maxQueue)
        self.maxWait = maxWait
    }
}
