/// The one classification of errors that instance replacement, call statistics and HTTP statuses all derive from.
extension PlugboardError {
    /// What kind of failure an error is.
    public enum Category: String, Sendable, Hashable, CaseIterable {
        /// The guest trapped or broke the canonical ABI (or exited).
        case guestFault
        /// The call hit one of the plugin's limits: memory, tables, fuel, stack, output, host-call arguments.
        case limit
        /// The call ran past its deadline.
        case timeout
        /// The calling task was cancelled.
        case cancelled
        /// The plugin's pool could not take the call in time; retry later.
        case overloaded
        /// The plugin answered with an error, or a host function it called failed.
        case pluginError
        /// The plugin is out of service (quarantined, unloaded).
        case unavailable
        /// No such plugin or version.
        case notFound
        /// The caller's input is wrong (arguments, names).
        case invalidRequest
        /// The module cannot be loaded: invalid, wrong kind, or not matching the world.
        case undeployable
        /// The request conflicts with the current state (already loaded, no such version to act on).
        case conflict
        /// Anything else: the host's own environment (files, WIT) failed.
        case host
    }

    public var category: Category {
        switch code {
        case .trap, .outOfBoundsMemoryAccess, .abiViolation, .pluginExited: .guestFault
        case .stackOverflow, .memoryLimitExceeded, .fuelExhausted, .outputLimitExceeded, .hostCallLimitExceeded: .limit
        case .timeout: .timeout
        case .cancelled: .cancelled
        case .overloaded: .overloaded
        case .hostFunctionFailed, .pluginReportedError, .unsupportedType: .pluginError
        case .quarantined, .pluginUnloaded: .unavailable
        case .pluginNotFound: .notFound
        case .invalidArgument, .typeMismatch, .noSuchFunction: .invalidRequest
        case .invalidModule, .wrongBinaryKind, .unknownImport, .incompatibleInterface: .undeployable
        case .pluginAlreadyLoaded, .noSuchVersion: .conflict
        default: .host
        }
    }

    /// Whether the plugin (not the host or its configuration) caused the error: a fault, a limit, a timeout.
    public var isGuestFault: Bool { [.guestFault, .limit, .timeout].contains(category) }

    /// Whether the call was stopped by a limit, its deadline or its cancellation: the instance is replaced before the
    /// next call, since the guest was stopped wherever it was.
    package var isLimitTrap: Bool { [.limit, .timeout, .cancelled].contains(category) }
}
