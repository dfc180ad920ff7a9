import Logging
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// A loaded plugin: one live instance, called through its WIT world with typed values.
///
/// Calls to one plugin run one at a time, in the order they arrive (an instance is never used from two threads at
/// once); different plugins run in parallel. A call runs inline on the calling task's thread when that is safe and
/// on the plugin's own dispatch queue otherwise (see ``GuestThread``). After a trap the instance stays usable, as
/// Wasm semantics allow; after a limit trap (memory, fuel, stack overflow, output) it is discarded and the next
/// call gets a fresh instance.
public actor Plugin {
    /// The name the plugin is registered under.
    public nonisolated let name: String
    /// The plugin's version from its `get-metadata`, or empty when its world has none.
    public nonisolated let version: String
    /// The WIT world the plugin was checked against.
    public nonisolated let world: WITWorld
    /// The module's imports and exports.
    public nonisolated let module: ModuleDescription

    /// Where guest code runs (see ``GuestThread``).
    private let guestThread: GuestThread
    /// Whether a call holds the instance; calls that find it held wait in ``leaseWaiters``, first come first served.
    private var isLeased = false
    private var leaseWaiters: [CheckedContinuation<Void, Never>] = []
    /// The plugin whose lease the current task holds, so that a call made while holding it (such as the
    /// `initialize` a fresh instance re-runs) does not wait for itself.
    @TaskLocal private static var leaseHolder: ObjectIdentifier?

    /// The live instance; `nil` after a limit trap until the next call instantiates a fresh one.
    private var instance: (any CoreInstance)?
    private var isUnloaded = false
    /// What the plugin may consume (enforced by the engine and the canonical ABI).
    public nonisolated let limits: PluginLimits
    /// Fuel the last call used, when the plugin has a ``PluginLimits/fuelPerCall`` budget.
    public private(set) var lastCallFuelUsed: UInt64?
    /// How long the last call ran in the guest, from entering it to its return or failure (time waiting for an
    /// earlier call or for the plugin's queue is not included).
    public private(set) var lastCallDuration: Duration?
    /// The size of the live instance's linear memory after the last call, in bytes (0 before any call).
    public nonisolated var memoryBytes: Int { lastMemoryBytes.load(ordering: .relaxed) }
    private let lastMemoryBytes = Atomic<Int>(0)
    /// How many times the instance was replaced after a limit trap.
    public private(set) var instanceReplacements = 0
    private let compiled: any CompiledModule
    private let engine: any WasmEngine
    private let coreFunctions: [CoreHostFunction]
    /// Stops the running call at its deadline or when its task is cancelled.
    private let interruption: CallInterruption
    /// The WASI file descriptors of the live instance: reset whenever the instance is discarded, closed on unload.
    private let files: WASIFileTable
    package let state: PluginState
    private let exports: [PluginLinker.ExportBinding]
    /// Functions of the host's world the plugin's older interface version lacks (calling one fails clearly).
    private let absentExports: [PluginLinker.AbsentExport]
    package var lifecycle = Lifecycle.loaded

    package enum Lifecycle { case loaded, initialized, shutDown }

    /// - Parameters:
    ///   - name: The name to register under; `nil` takes the name from `get-metadata`, else `fallbackName`.
    package init(
        name: String?, fallbackName: String, compiled: any CompiledModule, engine: any WasmEngine, world: WITWorld,
        hostFunctions: [HostFunction], configuration: [(key: String, value: String)],
        limits: PluginLimits = PluginLimits(), capabilities: PluginCapabilities = PluginCapabilities(),
        logger: Logger, events: EventBroadcaster
    ) throws {
        let description = compiled.description
        let linker = PluginLinker(world: world, hostFunctions: hostFunctions)
        let linkedExports = try linker.linkExports(of: description)
        let exports = linkedExports.bindings
        let imported = try linker.importedHostFunctions(of: description)
        let state = PluginState(
            name: name ?? fallbackName, configuration: configuration, logger: logger, events: events, limits: limits,
            networkAllowlist: capabilities.network)
        let wasi = try WASIPreview1(output: state.output, capabilities: capabilities)
        var coreFunctions = try wasi.hostFunctions(for: description.imports)
        let interruption = CallInterruption()
        for hostFunction in imported {
            coreFunctions.append(CanonicalCall.hostFunction(module: hostFunction.module, function: hostFunction.function) { [state] arguments in
                let context = state.callContext()
                do {
                    return try hostFunction.implementation(context, arguments)
                } catch let error as PlugboardError where error.code == .hostFunctionFailed || error.code == .pluginExited {
                    throw error
                } catch {
                    throw PlugboardError.hostFunctionFailed(hostFunction.importName, underlying: error)
                }
            })
        }
        let instance = try Self.instantiate(
            compiled, engine: engine, hostFunctions: coreFunctions, limits: limits, interruption: interruption, pluginName: state.name)
        var version = ""
        var metadataName: String?
        if let binding = exports.first(where: { $0.function.name == "get-metadata" && $0.function.parameters.isEmpty }) {
            instance.startCall()
            let call = interruption.begin(timeout: limits.timeout, interrupter: instance.interrupter)
            do {
                let results = try CanonicalCall.callExport(
                    binding.function, exportName: binding.coreName, arguments: [], on: instance, maxOutputBytes: limits.maxOutputBytes)
                interruption.end(call: call)
                version = results.first?[field: "version"]?.stringValue ?? ""
                metadataName = results.first?[field: "name"]?.stringValue
            } catch {
                let failure = PlugboardError.fromEngine(error, stackSize: limits.stackBytes, fuelBudget: limits.fuelPerCall)
                throw CallInterruption.failure(failure, stoppedBecause: interruption.end(call: call))
                    .inContext(plugin: state.name, function: "get-metadata")
            }
        }
        let resolvedName = name ?? metadataName.flatMap { $0.isEmpty ? nil : $0 } ?? fallbackName
        state.identity.set(name: resolvedName, version: version)
        self.guestThread = GuestThread(label: "plugboard.plugin.\(resolvedName)", mayRunInline: !imported.contains(where: \.blocks))
        self.name = resolvedName
        self.version = version
        self.world = world
        self.module = description
        self.instance = instance
        self.state = state
        self.exports = exports
        self.absentExports = linkedExports.absent
        self.limits = limits
        self.compiled = compiled
        self.engine = engine
        self.coreFunctions = coreFunctions
        self.interruption = interruption
        self.files = wasi.files
    }

    /// Instantiates under `limits` and runs the reactor's `_initialize`.
    private static func instantiate(
        _ compiled: any CompiledModule, engine: any WasmEngine, hostFunctions: [CoreHostFunction], limits: PluginLimits,
        interruption: CallInterruption, pluginName: String
    ) throws -> any CoreInstance {
        let instance = try engine.instantiate(compiled, hostFunctions: hostFunctions, limits: limits.instanceLimits)
        if instance.exportsFunction("_initialize") {
            instance.startCall()
            let call = interruption.begin(timeout: limits.timeout, interrupter: instance.interrupter)
            do {
                _ = try instance.call("_initialize", [])
                interruption.end(call: call)
            } catch {
                let failure = PlugboardError.fromEngine(error, stackSize: limits.stackBytes, fuelBudget: limits.fuelPerCall)
                throw CallInterruption.failure(failure, stoppedBecause: interruption.end(call: call))
                    .inContext(plugin: pluginName, function: "_initialize")
            }
        }
        return instance
    }

    /// The live instance, instantiating a fresh one if a limit trap discarded the last.
    private func liveInstance() async throws -> any CoreInstance {
        if isUnloaded { throw PlugboardError.pluginUnloaded(name) }
        if let instance { return instance }
        files.reset()  // the discarded instance's descriptors are not the fresh one's
        let (compiled, engine, coreFunctions, limits, interruption, pluginName) = (
            Exclusive(value: compiled), Exclusive(value: engine), Exclusive(value: coreFunctions), limits, interruption, displayName)
        let instantiated = await guestThread.run {
            Result {
                Exclusive(value: try Self.instantiate(
                    compiled.value, engine: engine.value, hostFunctions: coreFunctions.value, limits: limits,
                    interruption: interruption, pluginName: pluginName))
            }
        }
        let fresh = try instantiated.get().value
        instance = fresh
        instanceReplacements += 1
        state.logger.info(
            "Plugin instance replaced after a limit trap: its memory and globals were reset",
            metadata: ["plugin.instance.replacements": "\(instanceReplacements)"])
        if lifecycle == .initialized, world.qualifiedName == DefaultWorld.world.qualifiedName {
            // The default world's plugins expect `initialize` before `process`: run it again with the same configuration.
            do {
                try await initialize(config: state.configuration)
            } catch {
                state.logger.warning("Re-running initialize on the fresh instance failed", metadata: ["error.message": "\(error)"])
            }
        }
        return fresh
    }

    /// Calls an exported WIT function by name with dynamic values.
    ///
    /// - Parameters:
    ///   - function: The WIT function name, e.g. `process`.
    ///   - interface: The exported interface's name (`plugin-api`) or qualified name; needed only when two
    ///     exported interfaces have a function of that name.
    ///   - arguments: One value per parameter.
    /// - Returns: One value per result.
    /// - Throws: ``PlugboardError`` naming this plugin and the function: a trap, an ABI violation by the guest, a
    ///   failed host function, or a type mismatch in `arguments`.
    public func call(_ function: String, interface: String? = nil, arguments: [WITValue]) async throws -> [WITValue] {
        let binding = try exportBinding(function, interface: interface)
        return try await withLease {
            let instance = try await liveInstance()
            return try await call(binding, arguments: arguments, on: instance)
        }
    }

    /// Runs `body` holding the plugin's instance: after the calls that came first, and with no other call until
    /// `body` returns. A task that already holds it runs `body` at once.
    package func withLease<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if Self.leaseHolder == ObjectIdentifier(self) { return try await body() }
        if isLeased {
            await withCheckedContinuation { leaseWaiters.append($0) }  // handed over by the call before, still leased
        } else {
            isLeased = true
        }
        defer {
            if leaseWaiters.isEmpty {
                isLeased = false
            } else {
                leaseWaiters.removeFirst().resume()
            }
        }
        return try await Self.$leaseHolder.withValue(ObjectIdentifier(self)) { try await body() }
    }

    /// The call a cancellation handler stops: the cancellation can come before the guest starts (on another thread,
    /// perhaps after waiting for the plugin's queue), while it runs, or after it ended.
    private final class RunningCall: Sendable {
        private let state = Mutex<(id: UInt64?, cancelled: Bool)>((nil, false))

        /// Records the started call's ID; returns whether the call was cancelled before it started.
        func started(_ id: UInt64) -> Bool {
            state.withLock {
                $0.id = id
                return $0.cancelled
            }
        }

        /// Records the cancellation; returns the ID of the call to stop if it has started.
        func cancel() -> UInt64? {
            state.withLock {
                $0.cancelled = true
                return $0.id
            }
        }
    }

    /// What running the guest produced, measured on the thread that ran it.
    private struct GuestOutcome: Sendable {
        var results: Result<[WITValue], any Error>
        var duration: Duration
        var stopReason: CallInterruption.Reason?
    }

    private func call(_ binding: PluginLinker.ExportBinding, arguments: [WITValue], on instance: any CoreInstance) async throws -> [WITValue] {
        let running = RunningCall()
        return try await withTaskCancellationHandler {
            try await run(binding, arguments: arguments, on: instance, running: running)
        } onCancel: { [interruption] in
            if let id = running.cancel() { interruption.cancel(call: id) }
        }
    }

    private func run(
        _ binding: PluginLinker.ExportBinding, arguments: [WITValue], on instance: any CoreInstance, running: RunningCall
    ) async throws -> [WITValue] {
        let (guest, function, exportName, limits, interruption) = (Exclusive(value: instance), binding.function, binding.coreName, limits, interruption)
        // The deadline counts from entering the guest, on the thread that runs it, to its return.
        let outcome = await guestThread.run {
            guest.value.startCall()
            let id = interruption.begin(timeout: limits.timeout, interrupter: guest.value.interrupter)
            if running.started(id) { interruption.cancel(call: id) }
            let started = ContinuousClock.now
            let results = Result {
                try CanonicalCall.callExport(
                    function, exportName: exportName, arguments: arguments, on: guest.value, maxOutputBytes: limits.maxOutputBytes)
            }
            let duration = ContinuousClock.now - started
            return GuestOutcome(results: results, duration: duration, stopReason: interruption.end(call: id))
        }
        let stopReason = outcome.stopReason
        lastCallDuration = outcome.duration
        lastMemoryBytes.store(instance.memory?.byteCount ?? 0, ordering: .relaxed)
        switch outcome.results {
        case .success(let results):
            lastCallFuelUsed = instance.fuelUsed
            return results
        case .failure(let error):
            state.output.flush()
            var failure = PlugboardError.fromEngine(error, stackSize: limits.stackBytes, fuelBudget: limits.fuelPerCall)
            failure = CallInterruption.failure(failure, stoppedBecause: stopReason)
            if !failure.isLimitTrap, let denied = instance.deniedMemoryBytes {
                failure = .memoryGrowthOverLimit(requestedBytes: denied, limitBytes: limits.maxMemoryBytes, after: failure)
            }
            lastCallFuelUsed = failure.code == .fuelExhausted ? limits.fuelPerCall : stopReason == nil ? instance.fuelUsed : nil
            if failure.code == .outOfBoundsMemoryAccess, let size = instance.memory?.byteCount {
                failure.message += " (its linear memory is \(PlugboardError.byteText(size)))"
            }
            if failure.isLimitTrap, self.instance === instance {
                self.instance = nil
                files.reset()
                state.logger.info(
                    "Plugin hit a limit; its instance is discarded and the next call gets a fresh one (state is lost)",
                    metadata: ["plugin.function": .string(binding.coreName), "error.code": .string(failure.code.rawValue)])
            }
            throw failure.inContext(plugin: displayName, function: binding.coreName)
        }
    }

    private func exportBinding(_ function: String, interface: String?) throws -> PluginLinker.ExportBinding {
        func matches(_ candidate: WITInterface, _ pluginInterface: String) -> Bool {
            interface == nil || candidate.name == interface || candidate.qualifiedName == interface
                || candidate.unversionedName == interface || pluginInterface == interface
        }
        let candidates = exports.filter { $0.function.name == function && matches($0.interface, $0.pluginInterface) }
        guard candidates.count == 1 else {
            let scope = interface ?? world.qualifiedName
            if candidates.isEmpty {
                if let absent = absentExports.first(where: { $0.function.name == function && matches($0.interface, $0.pluginInterface) }) {
                    throw PlugboardError.functionAbsentFromPluginVersion(
                        function, pluginInterface: absent.pluginInterface, hostInterface: absent.interface.qualifiedName,
                        available: exports.filter { $0.pluginInterface == absent.pluginInterface }.map(\.function.name)
                    ).inContext(plugin: displayName, function: nil)
                }
                throw PlugboardError.noSuchFunction(function, in: scope, available: exports.map(\.function.name))
                    .inContext(plugin: displayName, function: nil)
            }
            throw PlugboardError.invalidArgument("more than one exported interface has a function '\(function)'; pass interface:")
                .inContext(plugin: displayName, function: nil)
        }
        return candidates[0]
    }

    package nonisolated var displayName: String { version.isEmpty ? name : "\(name)@\(version)" }

    /// Shuts the plugin down if it was initialized and not shut down, then releases its instance.
    package func unload() async {
        // After the call in flight, if any: its instance and descriptors are released below.
        try? await withLease { await unloadHoldingLease() }
    }

    private func unloadHoldingLease() async {
        if lifecycle == .initialized, exports.contains(where: { $0.function.name == "shutdown" }) {
            do {
                try await shutdown()
            } catch {
                state.logger.debug("Plugin shutdown failed during unload", metadata: ["error.message": "\(error)"])
            }
        }
        state.output.flush()
        instance = nil
        files.close()
        isUnloaded = true
    }

    /// The configuration `get-config` reads.
    public var configuration: [(key: String, value: String)] { state.configuration }
}
