import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// Messages of the registry's operations: rollouts, quarantine, reloads.
extension PlugboardError {
    package static func quarantined(_ name: String, reason: String) -> PlugboardError {
        PlugboardError(
            .quarantined, "the plugin is quarantined: \(reason)",
            hint: "Fix the plugin and deploy a new version, or reload it (`PluginRegistry.reload`) to try it again", plugin: name)
    }

    package static func noCanary(_ name: String, operation: String) -> PlugboardError {
        PlugboardError(
            .noSuchVersion, "cannot \(operation): the plugin has no canary", hint: "Deploy a canary first (`deploy(..., canaryPercent:)`)",
            plugin: name)
    }

    package static func noPreviousVersion(_ name: String) -> PlugboardError {
        PlugboardError(
            .noSuchVersion, "cannot roll back: no earlier stable version is kept",
            hint: "Deploy the version you want; `[rollout] keep-versions` sets how many earlier versions are kept", plugin: name)
    }

    package static func invalidCanaryPercent(_ name: String, _ percent: Double) -> PlugboardError {
        PlugboardError(.invalidArgument, "a canary percentage must be between 0 and 100, got \(percent)", hint: "Pass a value in 0...100", plugin: name)
    }

    package static func sourceUnknown(_ name: String) -> PlugboardError {
        PlugboardError(
            .invalidArgument, "the plugin was loaded from bytes, so there is no file to reload it from",
            hint: "Deploy the new bytes instead", plugin: name)
    }
}
