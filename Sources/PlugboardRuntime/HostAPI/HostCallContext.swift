import Logging
import PlugboardManifest

/// What a host function knows about the call it serves.
///
/// A value type whose fields live in one copy-on-write box: every host call hands the context to the host function,
/// and copying nine fields (strings, a dictionary, a logger, a closure) cost a retain each.
public struct HostCallContext: Sendable {
    private struct Fields {
        var pluginName: String
        var pluginVersion: String
        var configuration: [String: String]
        var logger: Logger
        var emit: @Sendable (_ type: String, _ payload: String) -> Void
        var maxLogBytes: Int
        var networkAllowlist: [NetworkPattern]
        var maxOutputBytes: Int
        /// Not a `ContinuousClock.Instant`: see ``CallInstant``.
        var deadline: CallInstant? = nil
    }

    /// The fields, shared between copies until one of them changes a field (see ``update(_:)``).
    private final class Box: @unchecked Sendable {
        /// Changed only through ``update(_:)`` on a uniquely referenced box, so no access to it ever overlaps a
        /// change: the run-time exclusivity check (a thread-local lookup on every read of every host call) is off.
        @exclusivity(unchecked) var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    /// Changes a field of this copy only (the box is copied first when another copy shares it).
    private mutating func update(_ change: (inout Fields) -> Void) {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
        change(&box.fields)
    }

    /// The calling plugin's name.
    public var pluginName: String {
        get { box.fields.pluginName }
        set { update { $0.pluginName = newValue } }
    }
    /// The calling plugin's version, as its metadata or manifest states it (empty when unknown).
    public var pluginVersion: String {
        get { box.fields.pluginVersion }
        set { update { $0.pluginVersion = newValue } }
    }
    /// The plugin's configuration map (what `get-config` reads).
    public var configuration: [String: String] {
        get { box.fields.configuration }
        set { update { $0.configuration = newValue } }
    }
    /// A logger carrying the plugin's name and version as metadata.
    public var logger: Logger {
        get { box.fields.logger }
        set { update { $0.logger = newValue } }
    }
    /// Delivers an event to the host's subscribers.
    public var emit: @Sendable (_ type: String, _ payload: String) -> Void {
        get { box.fields.emit }
        set { update { $0.emit = newValue } }
    }
    /// The most bytes of one log line the plugin may produce (``PluginLimits/maxMessageBytes``).
    public var maxLogBytes: Int {
        get { box.fields.maxLogBytes }
        set { update { $0.maxLogBytes = newValue } }
    }
    /// The destinations the plugin may reach over `outgoing-http` (its ``PluginCapabilities/network``).
    public var networkAllowlist: [NetworkPattern] {
        get { box.fields.networkAllowlist }
        set { update { $0.networkAllowlist = newValue } }
    }
    /// The most bytes a call may return (``PluginLimits/maxOutputBytes``): the default cap of a fetched body.
    public var maxOutputBytes: Int {
        get { box.fields.maxOutputBytes }
        set { update { $0.maxOutputBytes = newValue } }
    }
    /// When the plugin call this host function serves must end (`nil`: it has no deadline). A host function that
    /// waits (for the network, a timer, another task) should not wait past it: the guest cannot be stopped while
    /// the host runs.
    public var deadline: ContinuousClock.Instant? {
        get { box.fields.deadline?.instant }
        set { update { $0.deadline = newValue.map(CallInstant.init) } }
    }

    /// ``deadline`` as the call path keeps it.
    var callDeadline: CallInstant? {
        get { box.fields.deadline }
        set { update { $0.deadline = newValue } }
    }

    /// Whether ``logger`` logs messages of `level` (read in place: a copy of the logger costs a copy of its handler).
    func logs(_ level: Logger.Level) -> Bool {
        box.fields.logger.logLevel <= level
    }

    /// The time left before ``deadline``, at least zero; `nil` without a deadline.
    public var remainingTime: Duration? {
        deadline.map { max(.zero, ContinuousClock.now.duration(to: $0)) }
    }

    /// A context for calling a host function outside a plugin call, e.g. in a test of the host function.
    public init(
        pluginName: String, pluginVersion: String, configuration: [String: String], logger: Logger,
        emit: @escaping @Sendable (_ type: String, _ payload: String) -> Void, maxLogBytes: Int = .max,
        networkAllowlist: [NetworkPattern] = [], maxOutputBytes: Int = .max
    ) {
        box = Box(
            Fields(
                pluginName: pluginName, pluginVersion: pluginVersion, configuration: configuration, logger: logger, emit: emit,
                maxLogBytes: maxLogBytes, networkAllowlist: networkAllowlist, maxOutputBytes: maxOutputBytes))
    }

    /// `text` cut to ``maxLogBytes``, marked when it was cut: what a host function should log for the plugin.
    public func cutForLog(_ text: String) -> String {
        Self.cut(text, to: maxLogBytes)
    }

    package static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        return String(decoding: text.utf8.prefix(limit), as: UTF8.self) + " [cut at \(limit) bytes]"
    }
}
