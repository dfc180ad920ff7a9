/// Lifting and lowering `own<T>` and `borrow<T>` through the instance's ``HandleTable``, for resources the host
/// implements (host-defined resources, like WASI's).
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

    /// A new handle in the guest's table for the resource `value` holds, owned by the guest.
    package func lowerHandle(_ value: WITValue, as type: WITType) throws -> UInt32 {
        guard case .resource(let resource) = value else { throw PlugboardError.typeMismatch(expected: type, got: value) }
        switch type {
        case .own(let expected):
            guard resource.type.matches(expected) else { throw PlugboardError.typeMismatch(expected: type, got: value) }
            guard !resource.isDestroyed else { throw PlugboardError.invalidArgument("the \(resource.type.name) resource was already destroyed") }
            do {
                return try instance.handles.insert(resource)
            } catch {
                resource.destroy()  // no one received it: its owner was to be the guest
                throw error
            }
        default:
            throw PlugboardError.unsupportedType("lending a \(type) to a plugin (borrow handles into a plugin's export are not supported yet)")
        }
    }
}
