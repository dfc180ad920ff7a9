/// One instance's handles to resources (the component model's per-instance handle table): what an `own<T>` or
/// `borrow<T>` an instance holds is an index here, never a pointer. Index 0 is never given out; freed indices are
/// reused. Every use checks the index, that the slot is live and that its resource has the expected type, so a
/// forged handle, one used after it was dropped, dropped twice, or of another type is a typed error.
///
/// Handles to resources the instance defines itself hold a ``PluginDefinedResource``: its representation, and this
/// table's ``owner`` as the instance that made it. Handles the host lends for one call (a `borrow<T>` argument of
/// an export) must be dropped before the call returns.
///
/// Bounded: at most ``limit`` live handles per instance. Confined to the thread running the instance's call.
package final class HandleTable {
    private enum Slot {
        case free(next: UInt32)
        case own(WITResource)
        case borrow(WITResource)
    }

    /// Live handles an instance may hold at once.
    package static let defaultLimit = 65_536

    package let limit: Int
    private var slots: [Slot] = [.free(next: 0)]  // index 0: never a handle
    private var freeHead: UInt32 = 0
    package private(set) var liveCount = 0
    /// Borrowed handles the host lent for the running call and the instance has not dropped yet.
    private var lentBorrows = 0
    /// This instance, as the owner of the resources it defines.
    package let owner = ResourceOwner()
    /// The destructor of each resource the instance defines (by definition index), once instantiated.
    package var destructors: [(any CoreFunction)?] = []

    /// - Parameter limit: Capped below 2^32: handles are 32-bit indices.
    package init(limit: Int = HandleTable.defaultLimit) { self.limit = min(limit, Int(UInt32.max) - 1) }

    /// A new handle to `resource` (`own`ed by the instance, or lent for a call).
    package func insert(_ resource: WITResource, borrowed: Bool = false) throws -> UInt32 {
        guard liveCount < limit else { throw PlugboardError.handleTableFull(limit: limit, resource: resource.type) }
        let slot: Slot = borrowed ? .borrow(resource) : .own(resource)
        liveCount += 1
        if borrowed { lentBorrows += 1 }
        if freeHead != 0 {
            let index = freeHead
            guard case .free(let next) = slots[Int(index)] else { preconditionFailure("the free list points at a live slot") }
            freeHead = next
            slots[Int(index)] = slot
            return index
        }
        slots.append(slot)
        return UInt32(slots.count - 1)
    }

    /// The resource handle `index` refers to, which stays in the table (a `borrow` lifted from the instance), and
    /// whether the handle owns it.
    package func resource(at index: UInt32, of type: WITResourceType) throws -> (resource: WITResource, owned: Bool) {
        try live(index, of: type)
    }

    /// Removes handle `index` and returns its resource and whether the handle owned it (`own` lifted from the
    /// instance, or `resource.drop`).
    package func remove(_ index: UInt32, of type: WITResourceType) throws -> (resource: WITResource, owned: Bool) {
        let found = try live(index, of: type)
        if !found.1 { lentBorrows -= 1 }
        slots[Int(index)] = .free(next: freeHead)
        freeHead = index
        liveCount -= 1
        return found
    }

    /// Every owned resource still held, removed (the instance is going away: the host's destructors are due; the
    /// instance's own resources die with it, and those the host still holds can no longer be used).
    package func removeAll() -> [WITResource] {
        var owned: [WITResource] = []
        for case .own(let resource) in slots { owned.append(resource) }
        slots = [.free(next: 0)]
        freeHead = 0
        liveCount = 0
        lentBorrows = 0
        owner.close()
        destructors = []  // they hold the store, whose functions refer back to this table
        return owned
    }

    // MARK: resources the instance defines

    /// A new owning handle to the instance's own resource `rep` (`resource.new`, or such a resource coming back).
    package func insertDefined(rep: UInt32, definition: Int, type: WITResourceType) throws -> UInt32 {
        let defined = PluginDefinedResource(rep: rep, definition: definition, owner: owner)
        // When the host holds it and destroys it, the destructor waits for the instance's next call.
        return try insert(WITResource(type, value: defined) { value in
            guard let defined = value as? PluginDefinedResource else { return }
            defined.owner.schedule(defined)
        })
    }

    /// Runs the instance's destructor for `resource` (guest code: only inside a call).
    package func runDestructor(_ resource: PluginDefinedResource) throws {
        guard resource.definition < destructors.count, let destructor = destructors[resource.definition] else { return }
        _ = try destructor.call([.i32(resource.rep)])
    }

    /// Runs the destructors of the instance's resources the host destroyed since its last call.
    package func runPendingDestructors() throws {
        for resource in owner.takePending() { try runDestructor(resource) }
    }

    // MARK: borrows lent for a call

    /// Removes the borrowed handles the host lent for the call that ends and the instance did not drop; how many.
    @discardableResult package func releaseLentBorrows() -> Int {
        guard lentBorrows > 0 else { return 0 }
        let count = lentBorrows
        for index in slots.indices {
            if case .borrow = slots[index] {
                slots[index] = .free(next: freeHead)
                freeHead = UInt32(index)
                liveCount -= 1
            }
        }
        lentBorrows = 0
        return count
    }

    private func live(_ index: UInt32, of type: WITResourceType) throws -> (WITResource, Bool) {
        guard index != 0, Int(index) < slots.count else { throw PlugboardError.unknownHandle(index, resource: type) }
        switch slots[Int(index)] {
        case .free: throw PlugboardError.unknownHandle(index, resource: type)
        case .own(let resource), .borrow(let resource):
            guard resource.type.matches(type) else { throw PlugboardError.handleOfWrongType(index, expected: type, actual: resource.type) }
            if case .own = slots[Int(index)] { return (resource, true) }
            return (resource, false)
        }
    }
}
