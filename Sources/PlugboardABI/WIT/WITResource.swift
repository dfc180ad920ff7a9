import Synchronization

/// A WIT resource type, by name and (when known) the interface that defines it: `thing` of `demo:res/things@0.1.0`.
///
/// Handles are checked by name: a handle to a `thing` is refused where an `output-stream` is expected.
public struct WITResourceType: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var interface: String?

    public init(_ name: String, interface: String? = nil) {
        self.name = name
        self.interface = interface
    }

    public var description: String { name }

    /// Whether `other` is the same resource type (compared by name: a component need not say which interface).
    public func matches(_ other: WITResourceType) -> Bool { name == other.name }
}

/// A resource behind a handle: one the host implements (a host-defined resource, like WASI's streams: a Swift value
/// a plugin holds a handle to, and what runs when the plugin drops its last owning handle), or one a plugin defines
/// and gave the host (its `own<T>` results: pass them back to the same plugin, `destroy()` them when done).
///
/// A host function returning `own<T>` returns `.resource(WITResource(...))`; the plugin then holds an index into its
/// instance's handle table, never the value. A host function taking `borrow<T>` (a method's `self`) receives the
/// same `WITResource` back. The destructor runs once: when the plugin drops the owning handle, or when its
/// instance is released still holding it.
///
/// A resource a plugin defines is only a reference into the plugin instance that made it: the host passes it back to
/// that instance's exports (as `borrow<T>` any number of times, as `own<T>` once), and `destroy()` has the plugin's
/// destructor run at the start of that instance's next call.
public final class WITResource: Sendable, Hashable, CustomStringConvertible {
    public let type: WITResourceType
    /// The host's representation of the resource.
    public let value: any Sendable
    private let destructor: (@Sendable (any Sendable) -> Void)?
    private let destroyed = Atomic<Bool>(false)

    public init(_ type: WITResourceType, value: any Sendable, destructor: (@Sendable (any Sendable) -> Void)? = nil) {
        self.type = type
        self.value = value
        self.destructor = destructor
    }

    /// Whether the destructor has run.
    public var isDestroyed: Bool { destroyed.load(ordering: .acquiring) }

    /// Marks the resource destroyed without running the destructor: its ownership moved elsewhere (back into the
    /// plugin that defines it). Whether it was still live.
    package func relinquish() -> Bool { !destroyed.exchange(true, ordering: .acquiringAndReleasing) }

    /// Runs the destructor, once (later calls do nothing).
    public func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        destructor?(value)
    }

    public static func == (lhs: WITResource, rhs: WITResource) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
    public var description: String { "\(type.name) resource" }
}
