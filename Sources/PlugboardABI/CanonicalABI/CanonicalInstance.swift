/// A core instance as the canonical ABI uses it: its `memory` and `cabi_realloc`, resolved once, and whether the guest
/// may call an import right now.
///
/// While the host runs the guest's `cabi_realloc` (to lower a value) or `cabi_post_*` (to let it free a result), the
/// guest must not call back into the host: the component model's `may_leave` flag. Without it, a `cabi_realloc` that
/// calls an import whose result is lowered through `cabi_realloc` recurses through the host without bound.
/// A component lifts and lowers with options of its own per function (another memory or realloc: the WASI
/// adapter's), so it has one view per set of options; its views share the handle table and the `may_leave` flag.
/// Confined to the thread running the instance's call, like the instance: its mutable state skips Swift's run-time
/// exclusivity checks (no two accesses to it overlap).
package final class CanonicalInstance {
    package let memory: GuestMemory?
    package let realloc: (any CoreFunction)?
    /// Whether ``realloc`` has the canonical signature `(i32, i32, i32, i32) -> i32`, checked once.
    let reallocIsWellTyped: Bool
    /// The instance's handles to resources.
    package let handles: HandleTable
    private let leaving: LeaveState

    /// Whether the guest may call an import now, and inside what it may not; one per component instance.
    private final class LeaveState {
        @exclusivity(unchecked) var mayLeave = true
        @exclusivity(unchecked) var inside = ""
    }

    package init(memory: (any LinearMemory)?, realloc: (any CoreFunction)?, handles: HandleTable = HandleTable()) {
        self.memory = memory.map(GuestMemory.init)
        self.realloc = realloc
        self.reallocIsWellTyped = Self.isCanonicalRealloc(realloc)
        self.handles = handles
        self.leaving = LeaveState()
    }

    /// Another view of the same instance, with other canonical options: the same handles and `may_leave` flag.
    package init(memory: (any LinearMemory)?, realloc: (any CoreFunction)?, sharingStateWith other: CanonicalInstance) {
        self.memory = memory.map(GuestMemory.init)
        self.realloc = realloc
        self.reallocIsWellTyped = Self.isCanonicalRealloc(realloc)
        self.handles = other.handles
        self.leaving = other.leaving
    }

    /// The canonical view of `instance`: its exported `memory` and `cabi_realloc`, and its handle table when it has
    /// one of its own (a component's, which its `resource.drop`s use too), else a new one of at most `handleLimit`.
    package convenience init(_ instance: any CoreInstance, handleLimit: Int = HandleTable.defaultLimit) {
        self.init(
            memory: instance.memory, realloc: instance.function(named: "cabi_realloc"),
            handles: (instance as? any HandleTableHolder)?.handles ?? HandleTable(limit: handleLimit))
    }

    private static func isCanonicalRealloc(_ realloc: (any CoreFunction)?) -> Bool {
        realloc?.signature == CoreSignature(parameters: [.i32, .i32, .i32, .i32], results: [.i32])
    }

    /// Runs `body`, a call into the guest's `what` (`cabi_realloc`, `cabi_post_…`), with imports forbidden.
    package func withImportsForbidden<R>(during what: String, _ body: () throws -> R) rethrows -> R {
        let (previousMayLeave, previousInside) = (leaving.mayLeave, leaving.inside)
        leaving.mayLeave = false
        leaving.inside = what
        defer { (leaving.mayLeave, leaving.inside) = (previousMayLeave, previousInside) }
        return try body()
    }

    /// Throws when the guest calls import `importName` where it may not.
    package func checkMayCallImport(_ importName: String) throws {
        guard leaving.mayLeave else { throw PlugboardError.reentered(importName, during: leaving.inside) }
    }
}

/// Where host functions created before instantiation find their instance once it exists.
///
/// The reference is not strong: the engine's store holds the host functions, which hold this binding, and the
/// instance holds the store's functions and memory, so a strong one would be a cycle that keeps every instance alive.
/// It is `unowned`, not `weak`: a weak reference moves the instance's reference counts to a side table, which makes
/// every retain and release of it (several per call) take Swift's slow path. Host functions read it only while the
/// guest runs, which it does only in a call made through the instance's owner, so the instance is alive then.
package final class CanonicalBinding {
    @exclusivity(unchecked) package unowned var instance: CanonicalInstance?

    package init() {}

    package func require(_ importName: String) throws -> CanonicalInstance {
        guard let instance else {
            throw PlugboardError(
                .trap, "the plugin called host function '\(importName)' while it was being instantiated (from its start function)",
                hint: "Call imports from `_initialize` or from an export, not from the module's start function")
        }
        return instance
    }
}

/// A core instance that keeps its own ``HandleTable`` (a component's core instances seen as one): canonical calls on
/// it use that table.
package protocol HandleTableHolder: AnyObject {
    var handles: HandleTable { get }
}
