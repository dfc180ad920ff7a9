/// Lifting and lowering `own<T>` and `borrow<T>` through the instance's ``HandleTable``, for resources the host
/// implements (host-defined resources, like WASI's) and those the guest defines.
extension CanonicalContext {
    /// The resource behind handle `index` the guest passes: an `own` moves out of its table (the receiver owns it
    /// now), a `borrow` is looked up and stays.
    package func liftHandle(_ index: UInt32, as type: WITType) throws -> WITValue {
        switch type {
        case .own(let resource):
            // A handle the instance only borrows stays where it is; it cannot be given away.
            guard try instance.handles.resource(at: index, of: resource).owned else {
                throw PlugboardError.borrowGivenAsOwn(index, resource: resource)
            }
            return .resource(try instance.handles.remove(index, of: resource).resource)
        case .borrow(let resource):
            return .resource(try instance.handles.resource(at: index, of: resource).resource)
        default:
            preconditionFailure("liftHandle of \(type)")
        }
    }

    /// What the guest receives for the resource `value` holds: for an `own`, a new handle it owns; for a `borrow`, a
    /// handle lent for the call (dropped before it returns), or the representation itself when the guest defines
    /// the resource (the canonical ABI's `lower_borrow`). A resource the guest defines goes back only to the
    /// instance that made it; as `own`, only once.
    package func lowerHandle(_ value: WITValue, as type: WITType) throws -> UInt32 {
        guard case .resource(let resource) = value else { throw PlugboardError.typeMismatch(expected: type, got: value) }
        let handles = instance.handles
        switch type {
        case .own(let expected):
            guard resource.type.matches(expected) else { throw PlugboardError.typeMismatch(expected: type, got: value) }
            if let defined = resource.value as? PluginDefinedResource {
                guard defined.owner === handles.owner else { throw PlugboardError.resourceOfAnotherInstance(resource.type) }
                guard resource.relinquish() else { throw PlugboardError.resourceAlreadyGone(resource.type) }
                do {
                    return try handles.insertDefined(rep: defined.rep, definition: defined.definition, type: resource.type)
                } catch {
                    defined.owner.schedule(defined)  // no handle holds it any more: the guest's destructor is due
                    throw error
                }
            }
            guard !resource.isDestroyed else { throw PlugboardError.resourceAlreadyGone(resource.type) }
            do {
                return try handles.insert(resource)
            } catch {
                resource.destroy()  // no one received it: its owner was to be the guest
                throw error
            }
        case .borrow(let expected):
            guard resource.type.matches(expected) else { throw PlugboardError.typeMismatch(expected: type, got: value) }
            guard !resource.isDestroyed else { throw PlugboardError.resourceAlreadyGone(resource.type) }
            if let defined = resource.value as? PluginDefinedResource {
                guard defined.owner === handles.owner else { throw PlugboardError.resourceOfAnotherInstance(resource.type) }
                return defined.rep
            }
            return try handles.insert(resource, borrowed: true)
        default:
            preconditionFailure("lowerHandle as \(type)")
        }
    }
}
