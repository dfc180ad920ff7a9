/// Resource handles for typed calls: generated bindings lower a ``WITResource`` to the `i32` handle the guest
/// receives and lift the handle the guest passes back to its ``WITResource``, through the same
/// ``CanonicalContext/lowerHandle(_:as:)`` and ``CanonicalContext/liftHandle(_:as:)`` dynamic calls use. Every check
/// applies: the resource's type, the instance that made a resource the guest defines, `own` given back once,
/// borrows lent for one call, the handle table's bound.
extension CanonicalLowering {
    /// The handle the guest receives for `resource` as `type` (`own<R>` or `borrow<R>`): for an `own`, a new handle
    /// it owns (a resource it defines goes back to it, once); for a `borrow`, a handle lent for the call (or, for a
    /// resource it defines, its own representation).
    /// - Throws: ``PlugboardError``: `typeMismatch` for a resource of another type, `invalidArgument` for a
    ///   resource destroyed or given back already, or made by another instance, `memoryLimitExceeded` when the
    ///   guest's handle table is full, `invalidArgument` when `type` is no handle type.
    public func handle(_ resource: WITResource, as type: WITType) throws -> UInt32 {
        try context.lowerHandle(.resource(resource), as: try TypedHandleType.checked(type))
    }

    /// Stores the handle the guest receives for `resource` as `type` (see ``handle(_:as:)``) at `address`.
    public func storeHandle(_ resource: WITResource, as type: WITType, at address: Int) throws {
        try store(try handle(resource, as: type), at: address)
    }
}

extension CanonicalLifting {
    /// The resource behind handle `index` the guest passes as `type`: an `own` moves out of the guest's handle
    /// table (the host owns it now: it destroys it when done), a `borrow` stays there.
    /// - Throws: ``PlugboardError``: `abiViolation` for a handle the guest does not hold, one to another resource
    ///   type, or one it only borrows given as `own`; `invalidArgument` when `type` is no handle type.
    public func handle(_ index: UInt32, as type: WITType) throws -> WITResource {
        guard case .resource(let resource) = try context.liftHandle(index, as: try TypedHandleType.checked(type)) else {
            preconditionFailure("a lifted handle is a resource")
        }
        return resource
    }

    /// The resource behind the handle stored at `address` (see ``handle(_:as:)``).
    public func loadHandle(at address: Int, as type: WITType) throws -> WITResource {
        try handle(try load(UInt32.self, at: address), as: type)
    }
}

/// The check that keeps a caller's wrong type a thrown error: the handle functions of ``CanonicalContext`` take
/// only `own` and `borrow`.
private enum TypedHandleType {
    static func checked(_ type: WITType) throws -> WITType {
        switch type {
        case .own, .borrow: return type
        default: throw PlugboardError.invalidArgument("\(type) is not a handle type (own<T> or borrow<T>)")
        }
    }
}
