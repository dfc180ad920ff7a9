import PlugboardABI
/// How a version's warm instances are pooled: how many, how long each lives, how long an idle one is kept.
public struct InstancePoolConfiguration: Sendable, Hashable {
    /// The most instances, and so the most calls running at once on one version (default 2). Further calls wait,
    /// first come first served.
    public var size: Int
    /// Calls after which an instance is replaced by a fresh one (default 10,000), so state a guest accumulates
    /// (a leak, a fragmented heap) cannot grow without bound.
    public var maxInvocations: Int
    /// How long an instance may stay unused before it is released (default 5 minutes); one instance always stays warm.
    public var idleTimeout: Duration

    public init(size: Int = 2, maxInvocations: Int = 10_000, idleTimeout: Duration = .seconds(300)) {
        self.size = max(1, size)
        self.maxInvocations = max(1, maxInvocations)
        self.idleTimeout = idleTimeout
    }
}
