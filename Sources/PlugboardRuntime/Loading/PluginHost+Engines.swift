import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit
import PlugboardWasmtime

extension PluginHost.Configuration {
    /// The engine a plugin asking for `choice` runs on: the configured ``engine`` when it is of that kind (or when
    /// the plugin asks for none), else that engine's shared instance.
    /// - Throws: `engine-unavailable` when the plugin asks for Wasmtime and its library cannot be loaded here.
    public func engine(for choice: PluginEngine?) throws(PlugboardError) -> any WasmEngine {
        guard let choice, PluginEngine(of: engine) != choice else { return engine }
        switch choice {
        case .wasmkit: return PluginEngine.sharedWasmKit
        case .wasmtime: return try WasmtimeEngine()
        }
    }
}

extension PluginEngine {
    /// The kind of `engine`, when it is one of Plugboard's.
    public init?(of engine: any WasmEngine) {
        switch engine {
        case is WasmKitEngine: self = .wasmkit
        case is WasmtimeEngine: self = .wasmtime
        default: return nil
        }
    }

    /// The WasmKit engine for plugins that ask for it on a host whose default is another.
    static let sharedWasmKit = WasmKitEngine()

    /// The environment variable naming the engine of hosts whose configuration names none.
    public static let environmentVariable = "PLUGBOARD_ENGINE"

    /// The engine kind `PLUGBOARD_ENGINE` names (`wasmkit` or `wasmtime`), else WasmKit.
    public static var processDefault: PluginEngine {
        ProcessInfo.processInfo.environment[environmentVariable].flatMap(PluginEngine.init(rawValue:)) ?? .wasmkit
    }

    /// A new engine of the ``processDefault`` kind. When that is Wasmtime and its library cannot be loaded, every load
    /// on it fails with `engine-unavailable` saying what to install.
    public static func makeProcessDefault() -> any WasmEngine {
        do {
            return try processDefault.makeEngine()
        } catch {
            return UnavailableEngine(error: error)
        }
    }

    /// An engine of this kind.
    /// - Throws: `engine-unavailable` for Wasmtime when its library cannot be loaded here.
    public func makeEngine() throws(PlugboardError) -> any WasmEngine {
        switch self {
        case .wasmkit: WasmKitEngine()
        case .wasmtime: try WasmtimeEngine()
        }
    }
}

/// An engine that cannot run here: every compile fails with the error that says why (and what to install).
struct UnavailableEngine: WasmEngine {
    let error: PlugboardError
    var name: String { "unavailable engine" }
    func compile(_ bytes: [UInt8]) throws -> any CompiledModule { throw error }
    func compile(_ bytes: [UInt8], screened description: ModuleDescription) throws -> any CompiledModule { throw error }
    func makeStore(limits: InstanceLimits) -> any CoreStore { preconditionFailure("no module compiles on an unavailable engine") }
}
