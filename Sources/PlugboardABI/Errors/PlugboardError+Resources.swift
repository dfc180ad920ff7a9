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
            hint: "Drop handles the plugin no longer needs")
    }
}

extension PlugboardError {
    package static func borrowGivenAsOwn(_ index: UInt32, resource: WITResourceType) -> PlugboardError {
        PlugboardError(
            .abiViolation, "the plugin gave away handle \(index) to a \(resource.name) as its own, but it only borrows it",
            hint: "Pass ownership only of handles the plugin owns")
    }
}
