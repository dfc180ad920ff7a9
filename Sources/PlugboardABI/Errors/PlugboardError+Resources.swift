/// The messages of resource handle misuse: each names the handle, the resource type and what to do.
extension PlugboardError {
    package static func unknownHandle(_ index: UInt32, resource: WITResourceType) -> PlugboardError {
        PlugboardError(
            .abiViolation,
            "the plugin used handle \(index) as a \(resource.name), but it holds no handle \(index) (never given to it, or already dropped)",
            hint: "Use only handles the host returned, and none after dropping it")
    }

    package static func handleOfWrongType(_ index: UInt32, expected: WITResourceType, actual: WITResourceType) -> PlugboardError {
        PlugboardError(
            .abiViolation, "the plugin used handle \(index) as a \(expected.name), but it is a handle to a \(actual.name)",
            hint: "Pass each function a handle of the resource type its WIT declares")
    }

    package static func handleTableFull(limit: Int, resource: WITResourceType) -> PlugboardError {
        PlugboardError(
            .memoryLimitExceeded, "the plugin holds \(limit) resource handles, the most an instance may; no handle to another \(resource.name) can be given",
            hint: "Drop handles the plugin no longer needs, or raise PluginLimits.maxResourceHandles (PluginHost.LoadOptions.limits, `max-resource-handles` under [limits] in plugin.toml)")
    }
}

extension PlugboardError {
    package static func borrowGivenAsOwn(_ index: UInt32, resource: WITResourceType) -> PlugboardError {
        PlugboardError(
            .abiViolation, "the plugin gave away handle \(index) to a \(resource.name) as its own, but it only borrows it",
            hint: "Pass ownership only of handles the plugin owns")
    }
}

/// Misuse of resources a plugin defines itself (its `resource.new` / `resource.rep` and handles the host holds).
extension PlugboardError {
    package static func notAPluginResource(_ index: UInt32, resource: WITResourceType) -> PlugboardError {
        PlugboardError(
            .abiViolation, "the plugin asked for the representation of handle \(index), a \(resource.name) the host implements, not one the plugin defines",
            hint: "Use resource.rep only on handles to the plugin's own resources")
    }

    package static func resourceOfAnotherInstance(_ resource: WITResourceType) -> PlugboardError {
        PlugboardError(
            .invalidArgument,
            "the \(resource.name) was made by another instance of the plugin (one of its pool, or one replaced after a limit or a reload), and only that instance can use it",
            hint: "Pass a resource a plugin defines only back to the instance that made it: load the plugin with a pool of one instance")
    }

    package static func resourceAlreadyGone(_ resource: WITResourceType) -> PlugboardError {
        PlugboardError(
            .invalidArgument, "the \(resource.name) was already destroyed or given back to the plugin",
            hint: "Pass a resource as `own` once; keep using it through `borrow` until then")
    }

    package static func borrowsNotDropped(_ count: Int, function: String) -> PlugboardError {
        PlugboardError(
            .abiViolation, "'\(function)' returned still holding \(count) handle(s) the host lent it for the call",
            hint: "Drop every borrowed handle (resource.drop) before returning; generated bindings do it for you")
    }
}
