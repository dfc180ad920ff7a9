import Plugboard
import Synchronization

/// A host API for the default world whose `get-config("gate")` answers nothing until ``open()`` (other keys read the
/// plugin's configuration; log lines and events are dropped): a plugin with ``VersionedGuest/Behavior/waitForGate``
/// keeps its call (and its instance) until the test opens the gate, so a test can act while a call is surely in
/// flight instead of racing a loop against the clock.
public final class GatedHostAPI: PluginWorldSyncImports {
    private let isOpen = Atomic<Bool>(false)

    public init() {}

    /// Lets every waiting call, and every later one, go on.
    public func open() { isOpen.store(true, ordering: .releasing) }

    public func logMessage(context: HostCallContext, level: String, message: String) -> WITResult<Void, String> { .ok }

    public func getConfig(context: HostCallContext, key: String) -> String? {
        key == "gate" ? (isOpen.load(ordering: .acquiring) ? "open" : nil) : context.configuration[key]
    }

    public func emitEvent(context: HostCallContext, eventType: String, payload: String) -> WITResult<Void, String> { .ok }
}
