import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// What a plugin file holds and whether it fits a WIT world, found without instantiating or running it.
///
/// ```swift
/// let inspection = try PluginInspection(path: "examples/plugins/text-transform-c/plugin.wasm")
/// print(inspection.module.imports.map(\.fullName))
/// if case .failure(let error) = inspection.compatibility(with: DefaultWorld.world) { print(error) }
/// ```
public struct PluginInspection: Sendable {
    /// The size of the file (or bytes) given, before any WebAssembly text is assembled.
    public let fileSize: Int
    /// Whether the plugin was given as WebAssembly text (and assembled) rather than as a binary.
    public let isText: Bool
    /// The kind of binary: a core module, or a component (described by the core names it presents to the linker).
    public let kind: PluginBinary.Kind
    /// The module's imports, exports and memory, read from the (assembled) binary.
    public let module: ModuleDescription

    /// The WIT interfaces the binary declares it imports and exports, with their functions' WIT types: a
    /// component's, or a core module's `component-type` section's; `nil` when the binary declares none (then only
    /// core signatures are known).
    public var declaredWIT: DeclaredWIT? {
        guard let declared = module.declaredFunctions else { return nil }
        func grouped(_ functions: [String: WITFunction], alsoEmpty: [String]) -> [DeclaredWIT.Interface] {
            var byInterface: [String: [WITFunction]] = [:]
            for interface in alsoEmpty { byInterface[interface] = [] }
            for (key, function) in functions {
                // The key is `interface.function` or `interface#function`, or just the function (a world's own);
                // function names may hold dots (`[method]output-stream.write`).
                let interface = key.count > function.name.count ? String(key.dropLast(function.name.count + 1)) : ""
                byInterface[interface, default: []].append(function)
            }
            return byInterface.sorted { $0.key < $1.key }.map { name, functions in
                DeclaredWIT.Interface(name: name.isEmpty || name == "$root" ? nil : name, functions: functions.sorted { $0.name < $1.name })
            }
        }
        return DeclaredWIT(
            imports: grouped(declared.imports, alsoEmpty: declared.importedInterfaces), exports: grouped(declared.exports, alsoEmpty: []))
    }

    /// The WIT a binary declares (see ``declaredWIT``).
    public struct DeclaredWIT: Sendable, Hashable {
        /// An interface (or, with no name, the world's own functions) and the functions the binary uses of it.
        public struct Interface: Sendable, Hashable {
            public var name: String?
            public var functions: [WITFunction]
        }

        public var imports: [Interface]
        public var exports: [Interface]
    }

    /// Reads and parses a `.wasm` or `.wat` file.
    /// - Throws: ``PlugboardError`` if the file cannot be read, is not a valid core module or WAT, or is a component.
    public init(path: String) throws {
        try self.init(bytes: try PluginBinary.readFile(path))
    }

    /// Parses binary or text bytes, as ``PluginBinary/init(bytes:)`` reads them.
    public init(bytes: [UInt8]) throws {
        let binary = try PluginBinary(bytes: bytes)
        try self.init(binary: binary, fileSize: bytes.count, isText: !bytes.starts(with: [0x00, 0x61, 0x73, 0x6D]))
    }

    /// Parses an already read plugin binary.
    public init(binary: PluginBinary) throws {
        try self.init(binary: binary, fileSize: binary.bytes.count, isText: false)
    }

    private init(binary: PluginBinary, fileSize: Int, isText: Bool) throws {
        // The same parse the host does at load (WasmKit's parser plus Plugboard's boundary checks); a component is
        // described by the core names it presents to the linker.
        self.module = try PluginLinker.declaringWITTypes(binary.compile(on: WasmKitEngine()).description)
        self.kind = binary.kind
        self.fileSize = fileSize
        self.isText = isText
    }

    /// Whether a host for `world` providing `hostFunctions` would load this module: the same export, import and
    /// WASI checks ``PluginHost`` makes at load, in the same order, so the error is the one loading would give.
    public func compatibility(with world: WITWorld, hostFunctions: [HostFunction]) -> Result<Void, PlugboardError> {
        let linker = PluginLinker(world: world, hostFunctions: hostFunctions)
        do {
            _ = try linker.exportBindings(of: module)
            _ = try linker.importedHostFunctions(of: module)
            try WASIPreview1.checkImports(module.imports)
            return .success(())
        } catch let error as PlugboardError {
            return .failure(error)
        } catch {
            return .failure(PlugboardError.invalidArgument("\(error)"))
        }
    }

    /// Whether a host for `world` would load this module, assuming the host provides every function the world
    /// imports (``HostFunction/defaultHostAPI`` for the default world).
    public func compatibility(with world: WITWorld) -> Result<Void, PlugboardError> {
        compatibility(with: world, hostFunctions: Self.declaredImports(of: world))
    }

    /// Host functions with the world's imported signatures, for checking only: calling them does nothing.
    public static func declaredImports(of world: WITWorld) -> [HostFunction] {
        if world == DefaultWorld.world { return HostFunction.defaultHostAPI }
        return world.imports.flatMap { interface in
            interface.functions.map { function in
                HostFunction(module: interface.qualifiedName, function: function) { _, _ in
                    throw PlugboardError.invalidArgument("'\(interface.qualifiedName).\(function.name)' is a stand-in for inspection and cannot be called")
                }
            }
        }
    }
}
