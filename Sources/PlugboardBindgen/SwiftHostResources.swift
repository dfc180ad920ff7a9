import PlugboardABI

/// What a function of an interface is to a resource, read from the name the component model gives it:
/// `[constructor]R` (returns `own<R>`), `[method]R.m` (takes `self: borrow<R>` first), `[static]R.f`.
package enum ResourceFunctionRole: Hashable, Sendable {
    case constructor(resource: String)
    case method(resource: String, name: String)
    case staticFunction(resource: String, name: String)

    /// The role of the function named `name`; `nil` for a function of no resource.
    package init?(functionName name: String) {
        func member(after prefix: String) -> (resource: String, name: String)? {
            guard name.hasPrefix(prefix) else { return nil }
            let (resource, member) = String(name.dropFirst(prefix.count)).splitOnce(".")
            guard let member, !resource.isEmpty, !member.isEmpty else { return nil }
            return (resource, member)
        }
        if name.hasPrefix("[constructor]"), name.count > "[constructor]".count {
            self = .constructor(resource: String(name.dropFirst("[constructor]".count)))
        } else if let (resource, method) = member(after: "[method]") {
            self = .method(resource: resource, name: method)
        } else if let (resource, function) = member(after: "[static]") {
            self = .staticFunction(resource: resource, name: function)
        } else {
            return nil
        }
    }

    /// The resource's WIT name.
    package var resource: String {
        switch self {
        case .constructor(let resource), .method(let resource, _), .staticFunction(let resource, _): resource
        }
    }

    /// The function's name in flat APIs, in WIT's kebab case: `make-R`, `R-m`, `R-f`.
    package var flatName: String {
        switch self {
        case .constructor(let resource): "make-\(resource)"
        case .method(let resource, let name), .staticFunction(let resource, let name): "\(resource)-\(name)"
        }
    }
}

/// A resource the functions of a world use, as its Swift bindings see it. Resources are told apart by name, as the
/// runtime matches handles (``WITResourceType/matches(_:)``), so each name gets one Swift type wherever the world
/// uses it.
package struct SwiftHostResource: Hashable, Sendable {
    /// The resource, with the interface declaring its functions (else the first interface using it).
    package var type: WITResourceType
    /// Whether an imported interface uses it: the host implements it, and its Swift type can make one.
    package var isHostImplemented: Bool

    /// The type the bindings key the resource's Swift declaration by (``SwiftHostBindgen/namedTypes(of:)``).
    package var declaredType: WITType { .own(type) }

    /// The resources `world` uses, by name.
    package static func all(in world: WITWorld) -> [String: SwiftHostResource] {
        var found: [String: SwiftHostResource] = [:]
        // Where a resource's functions are, it is declared; a handle elsewhere may name the interface using it.
        for interface in world.imports + world.exports {
            for function in interface.functions {
                guard let role = ResourceFunctionRole(functionName: function.name), found[role.resource] == nil else { continue }
                found[role.resource] = SwiftHostResource(type: WITResourceType(role.resource, interface: interface.qualifiedName), isHostImplemented: false)
            }
        }
        for (interfaces, imported) in [(world.imports, true), (world.exports, false)] {
            for function in interfaces.flatMap(\.functions) {
                for resource in (function.parameters.map(\.type) + function.results).flatMap(\.handles) {
                    var entry = found[resource.name] ?? SwiftHostResource(type: resource, isHostImplemented: false)
                    entry.isHostImplemented = entry.isHostImplemented || imported
                    found[resource.name] = entry
                }
            }
        }
        return found
    }

}

/// A function of a resource the plugin exports, as ``SwiftHostGenerator`` finds it while it writes `<World>Exports`
/// (which keeps its ``TypedExport``) and then makes it a member of the resource's Swift type.
struct ExportedResourceFunction {
    let role: ResourceFunctionRole
    let interface: WITInterface
    let function: WITFunction
    /// The name of the `<World>Exports` constant holding its ``TypedExport``.
    let export: String
}

// MARK: emitting

extension SwiftHostGenerator {
    /// Members of a resource's Swift type that its functions' names must make way for.
    private static let resourceMembers: Set<String> = ["resource", "resourceType", "witType", "witValue"]

    /// The Swift type of a resource: a `Sendable`, `Hashable` wrapper of the ``WITResource`` behind a handle (equal
    /// when the resource is the same), ``WITValueConvertible`` as `own<R>`.
    mutating func emitResourceType(_ resource: SwiftHostResource, name: String) {
        let wit = resource.type.name
        emit("/// The WIT resource `\(wit)` of `\(resource.type.interface ?? world.qualifiedName)`: a handle to one, wrapping the ``WITResource`` behind it.")
        emit("///")
        if resource.isHostImplemented {
            emit("/// The host implements it: make one with ``init(hosting:destructor:)``. Given to the plugin as `own<\(wit)>`, the")
            emit("/// plugin holds a handle to it, never the value; one the plugin gives back as `own<\(wit)>` is the host's to destroy.")
        } else {
            emit("/// The plugin implements it: the host holds the ones the plugin returns and passes them back to the same plugin,")
            emit("/// as `borrow<\(wit)>` any number of times or as `own<\(wit)>` once; `resource.destroy()` has the plugin's")
            emit("/// destructor run at its next call.")
        }
        emit("public struct \(name): Sendable, Hashable {")
        emit("    /// The resource's type, which every ``WITResource`` of it has.")
        emit("    public static let resourceType = \(resourceTypeLiteral(resource.type))")
        emit("")
        emit("    /// The resource behind the handle.")
        emit("    public let resource: WITResource")
        emit("")
        emit("    /// Wraps `resource`.")
        emit("    /// - Throws: ``PlugboardError`` (`typeMismatch`) when it is a resource of another type.")
        emit("    public init(_ resource: WITResource) throws {")
        emit("        self.resource = try WITValue.resource(resource).asResource(Self.resourceType)")
        emit("    }")
        if resource.isHostImplemented {
            emit("")
            emit("    /// A new `\(wit)` the host implements, holding `value`. `destructor` runs once: when the plugin drops the")
            emit("    /// handle it owns, when its instance goes away holding it, or when the host calls `resource.destroy()`.")
            emit("    public init(hosting value: any Sendable, destructor: (@Sendable (any Sendable) -> Void)? = nil) {")
            emit("        self.resource = WITResource(Self.resourceType, value: value, destructor: destructor)")
            emit("    }")
        }
        emit("}")
        emit("")
        emit("extension \(name): WITValueConvertible {")
        emit("    public static let witType: WITType = .own(resourceType)")
        emit("")
        emit("    public init(witValue: WITValue) throws {")
        emit("        self.resource = try witValue.asResource(Self.resourceType)")
        emit("    }")
        emit("")
        emit("    public var witValue: WITValue { .resource(resource) }")
        emit("}")
    }

    /// The functions of the resources the plugin exports, as members of their Swift types taking the world's
    /// exports: `[constructor]R` an `async` initializer, `[method]R.m` a method (`self` is lent for the call),
    /// `[static]R.f` a static method. One extension per resource, in the order of their first function.
    mutating func emitResourceFunctions(_ functions: [ExportedResourceFunction]) {
        var order: [String] = []
        var byResource: [String: [ExportedResourceFunction]] = [:]
        for exported in functions {
            if byResource[exported.role.resource] == nil { order.append(exported.role.resource) }
            byResource[exported.role.resource, default: []].append(exported)
        }
        let exports = worldName + "Exports"
        for resource in order {
            emit("")
            emit("/// The functions of the resource `\(resource)` that the plugin exports, called through the plugin's ``\(exports)``.")
            emit("extension \(swiftType(.own(WITResourceType(resource)))) {")
            for (index, exported) in byResource[resource]!.enumerated() {
                if index > 0 { emit("") }
                emitResourceFunction(exported, exports: exports)
            }
            emit("}")
        }
    }

    private mutating func emitResourceFunction(_ exported: ExportedResourceFunction, exports: String) {
        let function = exported.function
        var parameters = function.parameters
        var passed: [String] = []
        if case .method = exported.role, parameters.first?.name == "self" {
            parameters.removeFirst()
            passed.append("self")
        }
        let ids = parameters.map { SwiftHostNaming.identifier($0.name, reserved: ["exports"]) }
        passed += ids
        let isConstructor = if case .constructor = exported.role { true } else { false }
        let declared = zip(parameters, ids).enumerated().map { index, pair in
            "\(index == 0 && !isConstructor ? "_ " : "")\(pair.1): \(swiftType(pair.0.type))"
        } + ["on exports: \(exports)"]
        let signature = "(\(declared.joined(separator: ", "))) async throws"
        let called = "`\(function.name)` of `\(exported.interface.qualifiedName)`"
        let resource = exported.role.resource
        var call = "try await exports.plugin.call"
        switch exported.role {
        case .constructor:
            emit("    /// Calls \(called): a new `\(resource)` the plugin makes, which the host owns.")
            emit("    public init\(signature) {")
            call = "self = " + call
        case .method(_, let name):
            emit("    /// Calls \(called) on this `\(resource)`, lent to the plugin for the call.")
            emit("    public func \(SwiftHostNaming.identifier(name, reserved: Self.resourceMembers))\(signature)\(returnType(function)) {")
        case .staticFunction(_, let name):
            emit("    /// Calls \(called).")
            emit("    public static func \(SwiftHostNaming.identifier(name, reserved: Self.resourceMembers))\(signature)\(returnType(function)) {")
        }
        let generator = self
        let result = function.results.isEmpty ? "Void" : String(returnType(function).dropFirst(4))
        emit(
            SwiftHostCanonicalCode.exportCall(
                function, parameters: passed, export: "\(exports).\(exported.export)", swiftType: { generator.swiftType($0) }, returnType: result,
                call: call),
            indent: 0)
        emit("    }")
    }
}
