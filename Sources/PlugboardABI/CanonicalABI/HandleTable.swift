/// One instance's handles to resources (the component model's per-instance handle table): what an `own<T>` or
/// `borrow<T>` an instance holds is an index here, never a pointer. Index 0 is never given out; freed indices are
/// reused. Every use checks the index, that the slot is live and that its resource has the expected type, so a
/// forged handle, one used after it was dropped, dropped twice, or of another type is a typed error.
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

    package init(limit: Int = HandleTable.defaultLimit) { self.limit = limit }

    /// A new handle to `resource` (`own`ed by the instance, or lent for a call).
    package func insert(_ resource: WITResource, borrowed: Bool = false) throws -> UInt32 {
        guard liveCount < limit else { throw PlugboardError.handleTableFull(limit: limit, resource: resource.type) }
        let slot: Slot = borrowed ? .borrow(resource) : .own(resource)
        liveCount += 1
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
        slots[Int(index)] = .free(next: freeHead)
        freeHead = index
        liveCount -= 1
        return found
    }

    /// Every owned resource still held, removed (the instance is going away: their destructors are due).
    package func removeAll() -> [WITResource] {
        var owned: [WITResource] = []
        for case .own(let resource) in slots { owned.append(resource) }
        slots = [.free(next: 0)]
        freeHead = 0
        liveCount = 0
        return owned
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
