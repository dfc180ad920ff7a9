import PlugboardABI
/// What one plugin may consume. Defaults follow the brief's `restricted` policy where it sets a number.
///
/// Enforced per plugin: memory at instantiation and on `memory.grow` (the guest sees -1), fuel and stack by the
/// engine, output by the canonical ABI before anything is copied. A call that hits a limit fails with
/// `memoryLimitExceeded`, `fuelExhausted`, `stackOverflow`, `outputLimitExceeded`, `hostCallLimitExceeded` or `timeout`, and the plugin's
/// instance is replaced by a fresh one for the next call (its state is lost; the log says so).
///
/// The wall-clock ``timeout`` (and cancelling the calling task) stops even a guest spinning in a loop with no host
/// calls: the plugin runs on WasmKit's fuel-metering engine, and a timer empties its fuel at the deadline, so the
/// guest traps at its next loop iteration or function entry. Metering costs about 2 % on a typical `process` call
/// and 10-35 % on tight compute loops (see the benchmarks); `timeout: nil` runs the plugin unmetered (unless it has
/// a fuel budget), and then neither a deadline nor cancellation can stop a call.
public struct PluginLimits: Sendable, Hashable {
    /// The most linear memory the plugin may have, in bytes (default 32 MiB).
    public var maxMemoryBytes: Int
    /// Instructions a single call may execute (WasmKit fuel units, about one per Wasm operator); `nil` for no budget.
    /// A budget puts the plugin on a fuel-metering engine, which costs 10-25 % in speed.
    public var fuelPerCall: UInt64?
    /// Interpreter stack in bytes, which bounds recursion depth (default 512 KiB).
    public var stackBytes: Int
    /// The most bytes a call may return (strings and lists lifted from the guest, charged before anything is copied;
    /// default 16 MiB).
    public var maxOutputBytes: Int
    /// The most elements all the plugin's tables may hold together (default 100,000; each costs the host 8 bytes).
    /// A `table.grow` past it returns -1 to the guest, like `memory.grow` past ``maxMemoryBytes``.
    public var maxTableElements: Int
    /// The most bytes one message may take: a `log-message` line, a stdout/stderr line, or an `emit-event` (type and
    /// payload). Longer ones are cut and marked `[cut at N bytes]` (default 64 KiB).
    public var maxMessageBytes: Int
    /// The most bytes the arguments of one host-import call may take once lifted from guest memory: every string's
    /// bytes and every list element, counted each time it is lifted (so a list whose entries all point at one large
    /// string costs its full size per entry). `nil` (the default): ``maxOutputBytes``. A call over it fails with
    /// `hostCallLimitExceeded` naming the import, and the instance is replaced.
    public var maxHostCallBytes: Int?
    /// The most resource handles one instance may hold at once (its handle table: WASI 0.2 streams, descriptors and
    /// pollables, and the plugin's own resources; default 65,536). A call that would make one more fails with
    /// `memoryLimitExceeded`, and the instance is replaced.
    public var maxResourceHandles: Int
    /// The longest a single call may run, wall clock (default 30 s, the brief's `restricted` policy); `nil` for no
    /// deadline, which also turns off cancellation of running calls.
    public var timeout: Duration?

    public init(
        maxMemoryBytes: Int = 32 << 20, fuelPerCall: UInt64? = nil, stackBytes: Int = 512 << 10, maxOutputBytes: Int = 16 << 20,
        timeout: Duration? = .seconds(30), maxMessageBytes: Int = 64 << 10, maxHostCallBytes: Int? = nil, maxTableElements: Int = 100_000,
        maxResourceHandles: Int = 65_536
    ) {
        self.maxResourceHandles = maxResourceHandles
        self.maxTableElements = maxTableElements
        self.maxMessageBytes = maxMessageBytes
        self.maxHostCallBytes = maxHostCallBytes
        self.maxMemoryBytes = maxMemoryBytes
        self.fuelPerCall = fuelPerCall
        self.stackBytes = stackBytes
        self.maxOutputBytes = maxOutputBytes
        self.timeout = timeout
    }

    /// The budget of one host-import call's lifted arguments: ``maxHostCallBytes``, else ``maxOutputBytes``.
    public var hostCallBudgetBytes: Int { maxHostCallBytes ?? maxOutputBytes }

    /// The deadline of each phase of guest code that loading runs (the `start` function, `_initialize`,
    /// `get-metadata`): ``timeout``, but at least one second, so that a plugin tuned for millisecond calls still loads
    /// on a busy machine; `nil` when the plugin has no deadline.
    public var loadTimeout: Duration? { timeout.map { max($0, .seconds(1)) } }
}
