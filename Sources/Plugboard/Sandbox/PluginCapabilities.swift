/// What one plugin is granted beyond computing. Deny by default: an empty value grants nothing.
///
/// (Being filled in: enforcement lands piece by piece; see the README's status table.)
public struct PluginCapabilities: Sendable, Hashable {
    /// Environment variables the plugin sees, by name, with the value it sees.
    public var environment: [String: String]
    /// Command-line arguments the plugin sees (`args_get`).
    public var arguments: [String]
    /// Whether the plugin may read the wall and monotonic clocks.
    public var allowsClocks: Bool
    /// Whether the plugin may read random bytes.
    public var allowsRandom: Bool

    public init(environment: [String: String] = [:], arguments: [String] = [], allowsClocks: Bool = true, allowsRandom: Bool = true) {
        self.environment = environment
        self.arguments = arguments
        self.allowsClocks = allowsClocks
        self.allowsRandom = allowsRandom
    }
}
