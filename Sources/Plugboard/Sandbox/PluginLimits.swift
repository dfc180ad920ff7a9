/// What one plugin may consume. Defaults follow the brief's `restricted` policy where it sets a number.
///
/// (Being filled in: enforcement lands piece by piece; see the README's status table.)
public struct PluginLimits: Sendable, Hashable {
    /// The most linear memory the plugin may have, in bytes (default 32 MiB).
    public var maxMemoryBytes: Int
    /// Instructions a single call may execute (WasmKit fuel units, about one per Wasm operator); `nil` for no budget.
    public var fuelPerCall: UInt64?
    /// Interpreter stack in bytes, which bounds recursion depth (default 512 KiB).
    public var stackBytes: Int
    /// The most bytes a call may return (strings and lists lifted from the guest) or log (default 16 MiB).
    public var maxOutputBytes: Int

    public init(maxMemoryBytes: Int = 32 << 20, fuelPerCall: UInt64? = nil, stackBytes: Int = 512 << 10, maxOutputBytes: Int = 16 << 20) {
        self.maxMemoryBytes = maxMemoryBytes
        self.fuelPerCall = fuelPerCall
        self.stackBytes = stackBytes
        self.maxOutputBytes = maxOutputBytes
    }
}
