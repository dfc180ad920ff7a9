/// The one error type of the Plugboard library: what happened, to which plugin and function, and what to do.
///
/// Guest failures (traps, ABI violations by the guest, limits) and host/configuration errors are told apart by
/// ``code`` and ``isGuestFault``. Every message is built by a factory in a `PlugboardError+<Concern>.swift` file of the layer it concerns.
public struct PlugboardError: Error, CustomStringConvertible, Sendable {
    /// A stable, machine-readable error kind. New kinds may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The bytes are not a valid WebAssembly module or WAT text.
        public static let invalidModule = Code("invalid-module")
        /// A component was given where a core module is needed, or the reverse.
        public static let wrongBinaryKind = Code("wrong-binary-kind")
        /// The plugin imports something the host does not provide.
        public static let unknownImport = Code("unknown-import")
        /// The plugin's imports or exports do not match the WIT world (names, versions or signatures).
        public static let incompatibleInterface = Code("incompatible-interface")
        /// The guest trapped (unreachable, division by zero, ...).
        public static let trap = Code("trap")
        /// The guest accessed memory outside its linear memory.
        public static let outOfBoundsMemoryAccess = Code("out-of-bounds-memory-access")
        /// The guest exhausted the interpreter's call stack.
        public static let stackOverflow = Code("stack-overflow")
        /// The guest asked for more linear memory than its ``PluginLimits/maxMemoryBytes`` quota.
        public static let memoryLimitExceeded = Code("memory-limit-exceeded")
        /// The call used up its ``PluginLimits/fuelPerCall`` instruction budget.
        public static let fuelExhausted = Code("fuel-exhausted")
        /// The call ran past its wall-clock deadline (``PluginLimits/timeout``) and was stopped.
        public static let timeout = Code("timeout")
        /// The Swift task that made the call was cancelled, and the plugin was stopped.
        public static let cancelled = Code("cancelled")
        /// The call returned more bytes than ``PluginLimits/maxOutputBytes``.
        public static let outputLimitExceeded = Code("output-limit-exceeded")
        /// The arguments a plugin passed to one host function took more than ``PluginLimits/maxHostCallBytes`` to lift.
        public static let hostCallLimitExceeded = Code("host-call-limit-exceeded")
        /// The plugin's calls waited longer than its pool allows (``InstancePoolConfiguration/maxWait``), or its
        /// queue was full (``InstancePoolConfiguration/maxQueue``): the caller should retry later.
        public static let overloaded = Code("overloaded")
        /// The guest broke the canonical ABI: a bad pointer, length, UTF-8 string, discriminant or char.
        public static let abiViolation = Code("abi-violation")
        /// A host function the guest called failed.
        public static let hostFunctionFailed = Code("host-function-failed")
        /// The plugin ended its own execution with `proc_exit`.
        public static let pluginExited = Code("plugin-exited")
        /// A value given by the host does not match the WIT type it is passed as.
        public static let typeMismatch = Code("type-mismatch")
        /// The WIT function uses a type Plugboard does not support yet (resources, futures, streams).
        public static let unsupportedType = Code("unsupported-type")
        /// The function is not part of the plugin's world or not exported by it.
        public static let noSuchFunction = Code("no-such-function")
        /// A WIT file or package could not be read, parsed or resolved.
        public static let invalidWIT = Code("invalid-wit")
        /// A file could not be read.
        public static let fileNotFound = Code("file-not-found")
        /// No plugin with that name is loaded.
        public static let pluginNotFound = Code("plugin-not-found")
        /// A plugin with that name is already loaded.
        public static let pluginAlreadyLoaded = Code("plugin-already-loaded")
        /// The plugin was unloaded or shut down.
        public static let pluginUnloaded = Code("plugin-unloaded")
        /// The plugin returned an error value from a call the host made (e.g. `initialize` returned `err`).
        public static let pluginReportedError = Code("plugin-reported-error")
        /// An argument given to the library is invalid.
        public static let invalidArgument = Code("invalid-argument")
        /// The plugin crashed too often and is out of service until it is reloaded or replaced.
        public static let quarantined = Code("quarantined")
        /// A rollout operation needs a version the plugin does not have (no canary to promote, nothing to roll back to).
        public static let noSuchVersion = Code("no-such-version")
        /// The engine a plugin asks for cannot run here (Wasmtime's library is missing or of another version).
        public static let engineUnavailable = Code("engine-unavailable")
    }

    public var code: Code
    /// The plugin's name (and version when known), if the error concerns one.
    public var plugin: String?
    /// The WIT or core function involved, if any.
    public var function: String?
    /// What happened.
    public var message: String
    /// What to do about it.
    public var hint: String?
    /// Guest function names, innermost first, when the guest trapped.
    public var backtrace: [String]
    /// The code the plugin passed to `proc_exit`, when ``code`` is `pluginExited`.
    public var exitCode: UInt32?
    /// For `overloaded`: how long the caller should wait before retrying.
    public var retryAfter: Duration?
    /// For `timeout`: how long the call ran, from its arrival until the guest stopped (measured on the thread that
    /// ran it).
    public var elapsed: Duration?

    package init(_ code: Code, _ message: String, hint: String? = nil, plugin: String? = nil, function: String? = nil, backtrace: [String] = []) {
        self.code = code
        self.message = message
        self.hint = hint
        self.plugin = plugin
        self.function = function
        self.backtrace = backtrace
    }

    public var description: String {
        var where_: [String] = []
        if let plugin { where_.append("plugin '\(plugin)'") }
        if let function { where_.append("function '\(function)'") }
        var body = message
        while body.hasSuffix(".") { body.removeLast() }
        var text = where_.isEmpty ? body : "\(where_.joined(separator: ", ")): \(body)"
        if !backtrace.isEmpty {
            text += " (guest backtrace: \(backtrace.prefix(8).joined(separator: " <- "))\(backtrace.count > 8 ? " <- ..." : ""))"
        }
        if let hint { text += ". \(hint)" }
        return text
    }

    /// The same error with the plugin and function filled in where they were not known yet.
    package func inContext(plugin: String?, function: String?) -> PlugboardError {
        var copy = self
        if copy.plugin == nil { copy.plugin = plugin }
        if copy.function == nil { copy.function = function }
        return copy
    }
}
