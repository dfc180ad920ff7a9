import PlugboardABI
import PlugboardManifest

/// A compiled plugin checked against its world, once: which exports implement which WIT functions (with their
/// canonical signatures worked out), which host functions its imports bind to. Every instance is made from it.
package struct PluginModule: Sendable {
    package let compiled: any CompiledModule
    package let engine: any WasmEngine
    package let world: WITWorld
    /// The world's exported functions the module implements, and how each crosses the canonical ABI.
    package let exports: [PluginLinker.ExportBinding]
    package let exportSignatures: [CanonicalSignature]
    /// Functions of the host's world the plugin's older interface version lacks (calling one fails clearly).
    package let absentExports: [PluginLinker.AbsentExport]
    /// The host functions the module imports, in import order, with their canonical signatures.
    package let imports: [(function: HostFunction, signature: CanonicalSignature)]
    /// The WASI 0.2 functions a component imports, with the WIT types it declares (served per instance).
    package let wasi2Imports: [(interface: String, function: WITFunction)]
    /// Export indices by WIT function name.
    private let exportIndices: [String: [Int]]

    package var description: ModuleDescription { compiled.description }
    /// From this size on, a binary's functions are translated when first called rather than at instantiation
    /// (componentize-py's 18 MB CPython: most of its 10,000 functions never run in a plugin call).
    package static let translationOnFirstCallBytes = 4 << 20
    /// Whether the plugin imports a host function that waits (its calls then never run inline on the pool).
    package var importsBlockingFunctions: Bool { imports.contains { $0.function.blocks } }
    package var exportsInitializeFunction: Bool { description.exportedFunction("_initialize") == CoreSignature(parameters: [], results: []) }

    /// Links `compiled` against `world` and `hostFunctions`.
    /// - Throws: ``PlugboardError`` for a missing or mismatched export or import (see ``PluginLinker``).
    package init(compiled: any CompiledModule, engine: any WasmEngine, world: WITWorld, hostFunctions: [HostFunction]) throws {
        let linker = PluginLinker(world: world, hostFunctions: hostFunctions)
        let description = try PluginLinker.declaringWITTypes(compiled.description)
        let linked = try linker.linkExports(of: description)
        self.compiled = compiled
        self.engine = engine
        self.world = world
        self.exports = linked.bindings
        self.exportSignatures = linked.bindings.map { CanonicalSignature($0.function) }
        self.absentExports = linked.absent
        self.imports = try linker.importedHostFunctions(of: description).map { ($0, CanonicalSignature($0.function)) }
        self.wasi2Imports = PluginLinker.wasi2Imports(of: description)
        var indices: [String: [Int]] = [:]
        for (index, binding) in linked.bindings.enumerated() { indices[binding.function.name, default: []].append(index) }
        self.exportIndices = indices
        // WASI imports are checked here too, so a bad one fails the load, not the first instantiation.
        _ = try WASIPreview1.checkImports(compiled.description.imports)
    }

    /// The export for WIT function `function`, of `interface` (a name, qualified name or plugin's export name) when
    /// given.
    /// - Throws: `noSuchFunction`, `incompatibleInterface` (a function the plugin's older version lacks), or
    ///   `invalidArgument` when the name is ambiguous without an interface.
    package func exportIndex(_ function: String, interface: String?, plugin: String) throws -> Int {
        func matches(_ candidate: WITInterface, _ pluginInterface: String) -> Bool {
            interface == nil || candidate.name == interface || candidate.qualifiedName == interface
                || candidate.unversionedName == interface || pluginInterface == interface
        }
        let candidates = (exportIndices[function] ?? []).filter { matches(exports[$0].interface, exports[$0].pluginInterface) }
        if candidates.count == 1 { return candidates[0] }
        let scope = interface ?? world.qualifiedName
        if candidates.isEmpty {
            if let absent = absentExports.first(where: { $0.function.name == function && matches($0.interface, $0.pluginInterface) }) {
                throw PlugboardError.functionAbsentFromPluginVersion(
                    function, pluginInterface: absent.pluginInterface, hostInterface: absent.interface.qualifiedName,
                    available: exports.filter { $0.pluginInterface == absent.pluginInterface }.map(\.function.name)
                ).inContext(plugin: plugin, function: nil)
            }
            throw PlugboardError.noSuchFunction(function, in: scope, available: exports.map(\.function.name))
                .inContext(plugin: plugin, function: nil)
        }
        throw PlugboardError.invalidArgument("more than one exported interface has a function '\(function)'; pass interface:")
            .inContext(plugin: plugin, function: nil)
    }

    /// Whether the world exports a function `name` without parameters (`get-metadata`, `shutdown`).
    package func exportIndex(ofParameterless name: String) -> Int? {
        exportIndices[name]?.first { exports[$0].function.parameters.isEmpty }
    }
}
