import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit
/// An event a plugin emitted through `emit-event`.
public struct PluginEvent: Sendable, Hashable {
    /// The emitting plugin's name.
    public var plugin: String
    /// The plugin's version.
    public var version: String
    /// The event type, as the plugin named it.
    public var type: String
    /// The payload, as the plugin gave it.
    public var payload: String

    public init(plugin: String, version: String, type: String, payload: String) {
        self.plugin = plugin
        self.version = version
        self.type = type
        self.payload = payload
    }
}

extension PluginEvent: BufferedEvent {
    public var bufferedBytes: Int { 64 + plugin.utf8.count + version.utf8.count + type.utf8.count + payload.utf8.count }
}

/// Fans plugin events out to every current subscriber.
package typealias EventBroadcaster = Broadcaster<PluginEvent>
