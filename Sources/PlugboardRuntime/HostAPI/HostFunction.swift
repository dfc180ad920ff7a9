import Logging
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// A function a plugin imports, implemented in Swift with WIT-typed values.
///
/// An embedding app registers its own host functions for any world; the default world's `host-api` is
/// provided by ``HostFunction/defaultHostAPI``. The implementation runs synchronously on the thread running the
/// guest while the guest waits; throwing from it traps the guest and fails the call with
/// ``PlugboardError/Code/hostFunctionFailed`` naming the function. An implementation that waits for other tasks,
/// I/O or the network must say so with ``blocks``.
public struct HostFunction: Sendable {
    /// The core import module: a qualified interface name such as `plugboard:plugin/host-api@1.0.0`, or `$root`.
    public var module: String
    /// The WIT signature, which fixes how values cross the canonical ABI.
    public var function: WITFunction
    /// The implementation.
    public var implementation: @Sendable (HostCallContext, [WITValue]) throws -> [WITValue]
    /// Whether the implementation waits for other tasks, I/O or the network (every `async` host function does).
    ///
    /// Guests of a plugin that imports such a function always run on the plugin's own thread, never inline on
    /// Swift's cooperative pool, where the wait could starve the task it waits for.
    public var blocks: Bool
    /// Whether only plugins granted a network destination (``PluginCapabilities/network``) may call it. For other
    /// plugins the import is bound to a stub that reads no argument from guest memory: it answers
    /// ``resultsWithoutCapability``, or fails the call when that is `nil`.
    public var requiresNetworkCapability: Bool
    /// What the stub bound for a plugin without the capability returns (e.g. a `denied` error value).
    public var resultsWithoutCapability: [WITValue]?
    /// The same implementation serving the guest's flat arguments directly (typed bindings generate it): it lifts
    /// the arguments out of guest memory and lowers the results into it with no ``WITValue`` in between. When set,
    /// plugins call this; ``implementation`` stays for dynamic callers.
    public var lowered: (@Sendable (HostCallContext, inout ImportCall) throws -> CoreValue?)?

    public init(
        module: String, function: WITFunction, blocks: Bool = false, requiresNetworkCapability: Bool = false,
        resultsWithoutCapability: [WITValue]? = nil, implementation: @escaping @Sendable (HostCallContext, [WITValue]) throws -> [WITValue],
        lowered: (@Sendable (HostCallContext, inout ImportCall) throws -> CoreValue?)? = nil
    ) {
        self.module = module
        self.function = function
        self.blocks = blocks
        self.requiresNetworkCapability = requiresNetworkCapability
        self.resultsWithoutCapability = resultsWithoutCapability
        self.implementation = implementation
        self.lowered = lowered
    }

    /// A host function for `function` of a WIT interface.
    public init(
        interface: WITInterface, function name: String, blocks: Bool = false,
        implementation: @escaping @Sendable (HostCallContext, [WITValue]) throws -> [WITValue]
    ) throws {
        guard let function = interface.function(named: name) else {
            throw PlugboardError.noSuchFunction(name, in: interface.qualifiedName, available: interface.functions.map(\.name))
        }
        self.init(module: interface.qualifiedName, function: function, blocks: blocks, implementation: implementation)
    }

    /// `module.name`, as the plugin imports it.
    public var importName: String { "\(module).\(function.name)" }
}

extension HostFunction {
    /// A host function whose implementation is `async`: it may await I/O, timers or actors.
    ///
    /// The guest sees an ordinary blocking call. While the implementation runs as a task, the thread running the
    /// guest waits: such plugins always run on their own dispatch queue, never on the cooperative pool, so the
    /// wait cannot starve the task it waits for (see ``blocks``).
    /// - Parameter lowered: The same implementation on flat arguments (see ``lowered``); it waits with ``waitFor(_:)``.
    public init(
        module: String, function: WITFunction,
        asyncImplementation: @escaping @Sendable (HostCallContext, [WITValue]) async throws -> [WITValue],
        lowered: (@Sendable (HostCallContext, inout ImportCall) throws -> CoreValue?)? = nil
    ) {
        self.init(
            module: module, function: function, blocks: true,
            implementation: { context, arguments in try BlockingTask.run { try await asyncImplementation(context, arguments) } },
            lowered: lowered)
    }

    /// Runs a ``lowered`` implementation's own work (the Swift method it serves), marking what it throws as the
    /// implementation's failure: the call then fails with `hostFunctionFailed` naming the import, while errors of
    /// lifting and lowering (a bad pointer, an exhausted budget) keep their own codes.
    public static func serving<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ImplementationFailure(underlying: error)
        }
    }

    /// What ``serving(_:)`` wraps an implementation's error in.
    package struct ImplementationFailure: Error {
        package let underlying: any Error
    }

    /// Runs `body` as a task and blocks the plugin's thread until it finishes: how a ``lowered`` implementation
    /// awaits (the plugin runs on its own thread because the function ``blocks``).
    public static func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        try BlockingTask.run(body)
    }

    /// An `async` host function for `function` of a WIT interface.
    public init(
        interface: WITInterface, function name: String,
        asyncImplementation: @escaping @Sendable (HostCallContext, [WITValue]) async throws -> [WITValue]
    ) throws {
        guard let function = interface.function(named: name) else {
            throw PlugboardError.noSuchFunction(name, in: interface.qualifiedName, available: interface.functions.map(\.name))
        }
        self.init(module: interface.qualifiedName, function: function, asyncImplementation: asyncImplementation)
    }
}
