import Synchronization

/// What a ``WITResource`` holds when a plugin defines the resource (a component's `resource.new`): the plugin's own
/// representation (an `i32`, typically a pointer into its memory), which of the plugin's resource definitions it
/// belongs to, and the instance that made it. Only that instance can take it back.
package struct PluginDefinedResource: Sendable {
    /// The plugin's representation of the resource.
    package let rep: UInt32
    /// Index of the resource's definition in the plugin (which destructor runs).
    package let definition: Int
    package let owner: ResourceOwner
}

/// The identity of one plugin instance as the owner of the resources it defines, and the destructions the host asked
/// for since the instance last ran: a host destroys a resource whenever it likes, on any thread, but the plugin's
/// destructor can only run inside a call on the instance's own thread, so it waits here until then. Thread-safe.
package final class ResourceOwner: Sendable {
    private struct State {
        var closed = false
        var pending: [PluginDefinedResource] = []
    }

    private let state = Mutex(State())

    package init() {}

    /// Asks for `resource`'s destructor to run at the start of the instance's next call (nothing, if it is closed).
    func schedule(_ resource: PluginDefinedResource) {
        state.withLock { if !$0.closed { $0.pending.append(resource) } }
    }

    /// The destructions asked for since the last time, removed.
    func takePending() -> [PluginDefinedResource] {
        state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
    }

    /// The instance is gone: its resources die with its memory, no destructor runs any more.
    func close() {
        state.withLock {
            $0.closed = true
            $0.pending = []
        }
    }
}
