import PlugboardManifest
import PlugboardABI
import PlugboardWasmKit

extension PluginManifest {
    /// The load options the manifest describes: the policy, adjusted by `[capabilities]` and `[limits]`, the
    /// name and `[config]` (see ``grantedCapabilities(environment:)`` and ``resolvedLimits``).
    public func loadOptions(environment: [String: String]) -> PluginHost.LoadOptions {
        PluginHost.LoadOptions(
            name: name, configuration: config.map { (key: $0.key, value: $0.value) }, limits: resolvedLimits,
            capabilities: grantedCapabilities(environment: environment), engine: engine)
    }
}

extension PluginLimits {
    /// What the engine holds each instance to: every plugin with a deadline is interruptible.
    package var instanceLimits: InstanceLimits {
        InstanceLimits(
            maxMemoryBytes: maxMemoryBytes, maxTableElements: maxTableElements, stackBytes: stackBytes, fuelPerCall: fuelPerCall,
            interruptible: timeout != nil)
    }
}
