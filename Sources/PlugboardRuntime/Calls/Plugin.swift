import Logging
import PlugboardABI
import PlugboardManifest
import Synchronization

/// A loaded plugin, called through its WIT world with typed values.
///
/// A plugin has a pool of live instances (one for a ``PluginHost`` plugin, ``InstancePoolConfiguration/size`` in a
/// registry): each call borrows one, so calls on one instance run one at a time, in the order they arrive, while a
/// pool of several runs that many at once. A call that finds an instance free runs to the end on the calling
/// task's thread when that is safe (see `GuestThread`), with no hop to another executor; one that finds none waits
/// in a bounded queue (see ``InstancePoolConfiguration``), and the wait counts toward its deadline.
///
/// After a trap the instance stays usable, as Wasm semantics allow (a registry replaces it anyway); after a limit
/// (memory, fuel, stack, output, host-call budget, deadline, cancellation) it is discarded and the next call gets a
/// fresh one, which re-runs `initialize` if the plugin was initialized.
public final class Plugin: Sendable {
    /// The name the plugin is registered under.
    public let name: String
    /// The plugin's version from its `get-metadata`, or empty when its world has none.
    public let version: String
    /// The WIT world the plugin was checked against.
    public var world: WITWorld { plugin.world }
    /// The module's imports and exports.
    public var module: ModuleDescription { plugin.description }
    /// What the plugin may consume (enforced by the engine and the canonical ABI).
    public var limits: PluginLimits { context.limits }
    /// The engine the plugin runs on, with its version (`WasmKit 0.4.2`, `Wasmtime 50.0.1`).
    public var engineName: String { plugin.engine.name }
    /// The kind of engine it runs on (`wasmkit`, `wasmtime`), or the engine's name for an engine of the embedder's own.
    public var engineLabel: String { PluginEngine(of: plugin.engine)?.rawValue ?? plugin.engine.name }

    package let plugin: PluginModule
    package let context: PluginContext
    private let pool: InstancePool<LeasedInstance>
    /// Whether a trap (not only a limit) retires the instance that trapped.
    private let replacesInstancesAfterTraps: Bool
    private let initializeExport: Int?
    private let lastCall = Mutex(LastCall())
    private let typedExports = Mutex<[ObjectIdentifier: (export: TypedExport, index: Int)]>([:])

    private struct LastCall {
        var fuelUsed: UInt64?
        var duration: Duration?
        var memoryBytes = 0
        var replacements = 0
    }

    private init(
        name: String, version: String, plugin: PluginModule, context: PluginContext, pool: InstancePool<LeasedInstance>,
        replacesInstancesAfterTraps: Bool
    ) {
        self.name = name
        self.version = version
        self.plugin = plugin
        self.context = context
        self.pool = pool
        self.replacesInstancesAfterTraps = replacesInstancesAfterTraps
        self.initializeExport = plugin.world.qualifiedName == DefaultWorld.world.qualifiedName ? try? plugin.exportIndex("initialize", interface: nil, plugin: name) : nil
    }

    /// Links `compiled`, makes its first instance on a loading thread (running `start`, `_initialize` and
    /// `get-metadata` under the plugin's deadline), and names the plugin.
    ///
    /// - Parameters:
    ///   - name: The name to register under; `nil` takes the name from `get-metadata`, else `fallbackName`.
    ///   - pool: How many instances, and how calls wait for them.
    ///   - replacesInstancesAfterTraps: Retire an instance after any trap, not only after a limit.
    package static func load(
        name: String?, fallbackName: String, compiled: any CompiledModule, engine: any WasmEngine, world: WITWorld, hostFunctions: [HostFunction],
        configuration: [(key: String, value: String)], limits: PluginLimits, capabilities: PluginCapabilities,
        capabilityManager: CapabilityManager? = nil, pool: InstancePoolConfiguration, replacesInstancesAfterTraps: Bool = false, logger: Logger,
        events: EventBroadcaster
    ) async throws -> Plugin {
        let context = PluginContext(
            name: name ?? fallbackName, configuration: configuration, limits: limits, capabilities: capabilities,
            capabilityManager: capabilityManager, logger: logger, events: events)
        let module: PluginModule
        do {
            module = try PluginModule(compiled: compiled, engine: engine, world: world, hostFunctions: hostFunctions)
        } catch let error as PlugboardError {
            throw error.inContext(plugin: context.displayName, function: nil)
        }
        let granted = await context.effectiveCapabilities()
        let (first, metadata) = try await LoadingThreads.run {
            let instance = try PluginInstance.make(module, context: context, capabilities: granted)
            let metadata = try Self.readMetadata(instance)
            return (LeasedInstance(instance), metadata)
        }
        let resolvedName = name ?? metadata.name.flatMap { $0.isEmpty ? nil : $0 } ?? fallbackName
        context.setIdentity(name: resolvedName, version: metadata.version)
        let instancePool = InstancePool<LeasedInstance>(
            name: resolvedName, configuration: pool,
            make: {
                let granted = await context.effectiveCapabilities()
                return try await LoadingThreads.run(counted: false) {
                    LeasedInstance(try PluginInstance.make(module, context: context, capabilities: granted))
                }
            },
            close: { await Self.close($0) })
        await instancePool.adopt(first)
        return Plugin(
            name: resolvedName, version: metadata.version, plugin: module, context: context, pool: instancePool,
            replacesInstancesAfterTraps: replacesInstancesAfterTraps)
    }

    /// Calls `get-metadata` if the world has it: the version (and name) the plugin reports.
    private static func readMetadata(_ instance: PluginInstance) throws -> (name: String?, version: String) {
        guard let index = instance.module.exportIndex(ofParameterless: "get-metadata") else { return (nil, "") }
        let deadline = instance.context.limits.loadTimeout.map { CallInstant.now.advanced(by: $0) }
        let results = try instance.call(index, arguments: [], deadline: deadline).result.get()
        return (results.first?[field: "name"]?.stringValue, results.first?[field: "version"]?.stringValue ?? "")
    }

    // MARK: calls

    /// Calls an exported WIT function by name with dynamic values.
    ///
    /// - Parameters:
    ///   - function: The WIT function name, e.g. `process`.
    ///   - interface: The exported interface's name (`plugin-api`) or qualified name; needed only when two
    ///     exported interfaces have a function of that name.
    ///   - arguments: One value per parameter.
    /// - Returns: One value per result.
    /// - Throws: ``PlugboardError`` naming this plugin and the function: a trap, an ABI violation by the guest, a
    ///   failed host function, a limit, `overloaded`, or a type mismatch in `arguments`.
    public func call(_ function: String, interface: String? = nil, arguments: [WITValue]) async throws -> [WITValue] {
        let index = try plugin.exportIndex(function, interface: interface, plugin: displayName)
        return try await call(export: index, arguments: arguments)
    }

    /// Calls an export through typed bindings: `body` lowers the arguments, invokes the guest once and lifts the
    /// results with the ``ExportCall`` it is given, on the thread running the guest. Generated bindings call this.
    /// - Throws: ``PlugboardError`` as ``call(_:interface:arguments:)`` does, and `typeMismatch` when the plugin's
    ///   export has other types than the bindings were generated for.
    public func call<R: Sendable>(_ export: TypedExport, _ body: @escaping @Sendable (ExportCall) throws -> R) async throws -> R {
        let index = try typedExportIndex(export)
        return try await run { instance, deadline, arrived, running in
            instance.callTyped(index, deadline: deadline, arrived: arrived, running: running, body)
        }
    }

    /// Resolves `export` once per plugin: its index, after checking the plugin's export has the bindings' types.
    private func typedExportIndex(_ export: TypedExport) throws -> Int {
        let key = ObjectIdentifier(export)
        if let index = typedExports.withLock({ $0[key]?.index }) { return index }
        let index = try plugin.exportIndex(export.function.name, interface: export.interface, plugin: displayName)
        let actual = plugin.exports[index].function
        guard actual == export.function else {
            throw PlugboardError(
                .typeMismatch, "the plugin exports \(actual.name) as \(actual.signature), but the bindings were generated for \(export.function.signature)",
                hint: "Regenerate the bindings from the WIT the plugin implements, or call it dynamically with call(_:interface:arguments:)"
            ).inContext(plugin: displayName, function: actual.name)
        }
        // The entry holds the export, so its identifier cannot be reused by another object while cached.
        typedExports.withLock { $0[key] = (export, index) }
        return index
    }

    /// Calls export `index` (of ``PluginModule/exports``) with dynamic values.
    package func call(export index: Int, arguments: [WITValue]) async throws -> [WITValue] {
        try await run { instance, deadline, arrived, running in
            instance.call(index, arguments: arguments, deadline: deadline, arrived: arrived, running: running)
        }
    }

    /// Calls core export `name` (no parameters, no results: a WASI command's `_start`) on one instance, as one call.
    package func callCoreExport(_ name: String) async throws {
        try await run { instance, deadline, arrived, running in
            instance.callCoreFunction(name, deadline: deadline, arrived: arrived, running: running)
        }
    }

    /// Borrows an instance (waiting in the pool's queue if all are busy), runs `work` on it on the guest thread with
    /// the call's deadline (counted from now, so the wait counts) and cancellation, and gives the instance back,
    /// retiring it after a limit (or a trap, in a registry).
    package func run<T: Sendable>(
        _ work: @escaping @Sendable (PluginInstance, CallInstant?, CallInstant, RunningCall) -> GuestOutcome<T>
    ) async throws -> T {
        var arrived = CallInstant.now
        var deadline = limits.timeout.map { arrived.advanced(by: $0) }
        let lease: InstancePool<LeasedInstance>.Lease
        do {
            if let idle = try pool.leaseIdle() {
                lease = idle
            } else {
                lease = try await pool.acquire(deadline: deadline?.instant)
            }
            if lease.isFresh {
                // Making the instance was host work under its own deadline (start, `_initialize`): the call's starts now.
                arrived = CallInstant.now
                deadline = limits.timeout.map { arrived.advanced(by: $0) }
            }
        } catch let error as PlugboardError {
            throw error.inContext(plugin: displayName, function: nil)
        } catch is CancellationError {
            throw PlugboardError.callCancelled().inContext(plugin: displayName, function: nil)
        } catch is InstancePoolError {
            throw PlugboardError.pluginUnloaded(displayName)  // drained: unloaded, or a version a registry retired
        }
        let leased = lease.worker
        let running = RunningCall()
        let (callArrived, callDeadline) = (arrived, deadline)
        let initializeExport = self.initializeExport
        let outcome = await withTaskCancellationHandler {
            await leased.instance.guestThread.run { () -> GuestOutcome<T> in
                let instance = leased.instance
                let initialization = Self.ensureInitialized(
                    instance, export: initializeExport, deadline: callDeadline, arrived: callArrived, running: running)
                if let failed = initialization {
                    return GuestOutcome(result: .failure(failed.error), duration: failed.duration, fuelUsed: failed.fuelUsed, memoryBytes: failed.memoryBytes)
                }
                return work(instance, callDeadline, callArrived, running)
            }
        } onCancel: {
            if let id = running.cancel() { leased.instance.interruption.cancel(call: id) }
        }
        record(outcome)
        switch outcome.result {
        case .success(let value):
            if let retired = pool.releaseKeeping(lease, poisoned: false) { await pool.close(retired: retired) }
            return value
        case .failure(let error):
            let poisoned = error.isLimitTrap || (replacesInstancesAfterTraps && error.isGuestFault)
            if poisoned {
                lastCall.withLock { $0.replacements += 1 }
                context.logger.info(
                    "Plugin instance discarded after its call failed; the next call gets a fresh one (its state is lost)",
                    metadata: ["error.code": .string(error.code.rawValue)])
            }
            if let retired = pool.releaseKeeping(lease, poisoned: poisoned) { await pool.close(retired: retired) }
            throw error
        }
    }

    /// Runs `initialize` on `instance` if the plugin is initialized and the instance has not run it with the current
    /// configuration yet (a fresh instance, or a new configuration); returns the failure of that, if any, measured.
    /// (Not generic over the call's result: the check runs on every call, and a generic optional outcome cost a
    /// metadata lookup and a copy each time.)
    private static func ensureInitialized(
        _ instance: PluginInstance, export: Int?, deadline: CallInstant?, arrived: CallInstant, running: RunningCall
    ) -> (error: PlugboardError, duration: Duration, fuelUsed: UInt64?, memoryBytes: Int)? {
        let (initializes, generation) = instance.context.initialization
        guard let export, initializes, instance.initializedGeneration != generation else { return nil }
        let configuration = instance.context.configurationPairs
        let arguments: [WITValue] = [.list(configuration.map { .tuple([.string($0.key), .string($0.value)]) })]
        let outcome = instance.call(export, arguments: arguments, deadline: deadline, arrived: arrived, running: running)
        let failure: PlugboardError
        switch outcome.result {
        case .success(let results):
            if case .err(let message)? = results.first {
                failure = PlugboardError.pluginReportedError("initialize", message: message?.stringValue ?? "")
                    .inContext(plugin: instance.context.displayName, function: "initialize")
            } else {
                instance.initializedGeneration = generation
                return nil
            }
        case .failure(let error):
            failure = error
        }
        return (failure, outcome.duration, outcome.fuelUsed, outcome.memoryBytes)
    }

    private func record<T>(_ outcome: GuestOutcome<T>) {
        lastCall.withLock {
            $0.fuelUsed = outcome.fuelUsed
            $0.duration = outcome.duration
            $0.memoryBytes = outcome.memoryBytes
        }
        CallReport.current?.record(fuelUsed: outcome.fuelUsed, memoryBytes: outcome.memoryBytes, duration: outcome.duration)
    }

    // MARK: lifecycle

    /// Makes `initialize` run with `configuration` on every instance before its next call (now, on one instance, so
    /// an `err` it returns is thrown here); the configuration is also what `get-config` answers from then on.
    package func setInitialization(_ configuration: [(key: String, value: String)]) async throws {
        context.setConfiguration(configuration, initializes: initializeExport != nil)
        do {
            let _: Void = try await run { _, _, _, _ in GuestOutcome(result: .success(()), duration: .zero, fuelUsed: nil, memoryBytes: 0) }
        } catch {
            context.stopInitializing()
            throw error
        }
    }

    /// Runs `shutdown` (a default-world export) on one instance; instances no longer re-run `initialize`.
    package func runShutdown() async throws -> [WITValue] {
        context.stopInitializing()
        guard let index = plugin.exportIndex(ofParameterless: "shutdown") else { return [] }
        return try await run { instance, deadline, arrived, running in
            let outcome = instance.call(index, arguments: [], deadline: deadline, arrived: arrived, running: running)
            instance.isShutDown = true
            return outcome
        }
    }

    /// Releases an instance: runs `shutdown` first if it ran `initialize` and not `shutdown` (off the cooperative pool,
    /// under the deadline), then closes its descriptors.
    private static func close(_ leased: LeasedInstance) async {
        let instance = leased.instance
        if instance.initializedGeneration != 0, !instance.isShutDown, let index = instance.module.exportIndex(ofParameterless: "shutdown") {
            let outcome = await instance.guestThread.runOnQueue {
                let instance = leased.instance
                let deadline = instance.context.limits.timeout.map { CallInstant.now.advanced(by: $0) }
                return instance.call(index, arguments: [], deadline: deadline).result.map { _ in () }
            }
            if case .failure(let error) = outcome {
                instance.context.logger.debug("Plugin shutdown failed while releasing an instance", metadata: ["error.message": "\(error)"])
            }
        }
        instance.close()
    }

    /// Stops lending, waits for the calls in flight, then releases every instance (each shut down first).
    package func drain() async {
        await pool.drain()
    }

    /// Replaces every instance with a fresh one (busy ones once their call returns).
    package func recycleInstances() async {
        await pool.recycle()
    }

    // MARK: reading

    /// `name@version`, or `name` when the version is unknown: how errors name the plugin.
    package var displayName: String { version.isEmpty ? name : "\(name)@\(version)" }

    /// The configuration `get-config` reads.
    public var configuration: [(key: String, value: String)] { context.configurationPairs }
    /// Fuel the last call used, when the plugin has a ``PluginLimits/fuelPerCall`` budget.
    public var lastCallFuelUsed: UInt64? { lastCall.withLock { $0.fuelUsed } }
    /// How long the last call ran in the guest, from entering it to its return or failure (time waiting for an
    /// instance is not included).
    public var lastCallDuration: Duration? { lastCall.withLock { $0.duration } }
    /// The size of the linear memory of the instance the last call ran on, in bytes (0 before any call).
    public var memoryBytes: Int { lastCall.withLock { $0.memoryBytes } }
    /// How many times an instance was discarded after a call failed on a limit (and, in a registry, a trap).
    public var instanceReplacements: Int { lastCall.withLock { $0.replacements } }
    /// Occupancy of the plugin's instance pool.
    public var poolStatistics: InstancePoolStatistics { pool.statistics }
}

/// A ``PluginInstance`` as the pool holds it.
///
/// `@unchecked Sendable`: an instance is not thread-safe, and the pool is what makes this safe. It lends each
/// instance to one call at a time, and that call uses it on one thread (inline, or on the instance's own queue)
/// until it gives it back; nothing else touches it meanwhile.
package final class LeasedInstance: @unchecked Sendable {
    let instance: PluginInstance
    init(_ instance: PluginInstance) { self.instance = instance }
}

/// Collects what the calls made inside ``recording(_:)`` used, for a registry's statistics.
package final class CallReport: Sendable {
    private let state = Mutex<(fuelUsed: UInt64?, memoryBytes: Int?, guestDuration: Duration?)>((nil, nil, nil))

    @TaskLocal package static var current: CallReport?

    package var fuelUsed: UInt64? { state.withLock { $0.fuelUsed } }
    package var memoryBytes: Int? { state.withLock { $0.memoryBytes } }

    func record(fuelUsed: UInt64?, memoryBytes: Int, duration: Duration) {
        state.withLock { $0 = (fuelUsed, memoryBytes, duration) }
    }

    /// Runs `body`, recording the last plugin call it makes.
    package static func recording<T>(_ body: () async throws -> T) async throws -> (T, CallReport) {
        let report = CallReport()
        let value = try await $current.withValue(report) { try await body() }
        return (value, report)
    }
}
