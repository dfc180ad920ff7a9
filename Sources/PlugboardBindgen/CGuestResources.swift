import PlugboardABI

/// One WIT resource of a world, as ``CGuestBindgen`` binds it: the interface that defines it, and whether the host
/// implements it (the world imports that interface) or the plugin does (the world exports it).
package struct CGuestResource: Hashable {
    /// The resource's WIT name (`blob`).
    package var name: String
    /// The interface defining the resource, as the world imports or exports it.
    package var interface: WITInterface
    /// `true` when the host implements the resource (an imported interface defines it); `false` when the plugin does.
    package var isImport: Bool

    /// The resource's name in C identifiers (`input_stream` for `input-stream`).
    package var cName: String { CGuestTypes.snake(name) }

    /// The resource type every handle to this resource is bound with.
    package var type: WITResourceType { WITResourceType(name, interface: interface.qualifiedName) }
}

/// The resources a world's functions use, for ``CGuestBindgen``: which interface defines each, and on which side.
///
/// A resource is placed by its functions (`[constructor]R`, `[method]R.m` and `[static]R.f` belong to the
/// interface defining `R`), else by the interface the parser recorded for its handles. A handle used in an
/// exported interface but defined by an imported one (`use blobs.{blob}`) is the host's resource. Resource names
/// must be unique in a world (the C names are built from them), and an interface defining a resource cannot be
/// both imported and exported.
package struct CGuestResources {
    /// The world's resources, in the order the world first mentions them (imports first): deterministic output.
    package private(set) var ordered: [CGuestResource] = []
    private var byName: [String: CGuestResource] = [:]

    /// An empty set, for a world without resources.
    package init() {}

    /// The resources of `world`'s functions.
    ///
    /// - Throws: ``PlugboardError`` `unsupportedType` when the interface defining a resource is both imported and
    ///   exported, or when a handle's resource cannot be placed in the world; `invalidArgument` when two
    ///   interfaces define resources of the same name.
    package init(world: WITWorld) throws {
        let sides = [(world.imports, true), (world.exports, false)]
        for (interfaces, isImport) in sides {
            for interface in interfaces {
                for function in interface.functions {
                    guard let name = Self.resourceName(ofFunction: function.name) else { continue }
                    try add(CGuestResource(name: name, interface: interface, isImport: isImport), world: world)
                }
            }
        }
        for (interfaces, isImport) in sides {
            for interface in interfaces {
                for function in interface.functions {
                    let types = function.parameters.map(\.type) + function.results
                    for handle in types.flatMap(\.handles) where byName[handle.name] == nil {
                        let context = "function \(function.name) of \(interface.qualifiedName)"
                        try add(try Self.place(handle, usedOn: isImport, in: world, context: context), world: world)
                    }
                }
            }
        }
    }

    /// The resource named `name`, if the world has one.
    package subscript(name: String) -> CGuestResource? { byName[name] }

    /// Whether a value of `type` is a borrow of a resource the plugin implements: it crosses as the plugin's own
    /// pointer (the canonical ABI gives an implementation its representation, not a handle).
    package func isRepresentation(_ type: WITType) -> Bool {
        guard case .borrow(let resource) = type else { return false }
        return byName[resource.name].map { !$0.isImport } ?? false
    }

    /// `function` with each handle's resource type as the resource defines it (the parser records the interface a
    /// handle is used in, which differs for a `use`d resource), so equal handles compare equal.
    package func normalized(_ function: WITFunction) -> WITFunction {
        var function = function
        function.parameters = function.parameters.map { WITParameter($0.name, normalized($0.type)) }
        function.results = function.results.map(normalized)
        return function
    }

    package func normalized(_ type: WITType) -> WITType {
        switch type {
        case .own(let resource): .own(byName[resource.name]?.type ?? resource)
        case .borrow(let resource): .borrow(byName[resource.name]?.type ?? resource)
        case .list(let element): .list(normalized(element))
        case .option(let wrapped): .option(normalized(wrapped))
        case .tuple(let elements): .tuple(elements.map(normalized))
        case .record(let name, let fields): .record(name: name, fields: fields.map { WITField($0.name, normalized($0.type)) })
        case .variant(let name, let cases): .variant(name: name, cases: cases.map { WITCase($0.name, $0.payload.map(normalized)) })
        case .result(let ok, let error): .result(ok: ok.map(normalized), error: error.map(normalized))
        default: type
        }
    }

    // MARK: names

    /// The resource a constructor, method or static function belongs to: `blob` for `[constructor]blob`,
    /// `[method]blob.bytes` and `[static]blob.concat`; `nil` for a plain function.
    package static func resourceName(ofFunction name: String) -> String? {
        for kind in ["[constructor]", "[method]", "[static]"] where name.hasPrefix(kind) {
            let rest = name.dropFirst(kind.count)
            return String(kind == "[constructor]" ? rest : rest.prefix { $0 != "." })
        }
        return nil
    }

    /// A function's name in C identifiers, as wit-bindgen's C generator spells it: `constructor_blob`,
    /// `method_blob_bytes`, `static_blob_concat`, and a plain function's name in snake case.
    package static func cFunctionName(_ name: String) -> String {
        for (kind, word) in [("[constructor]", "constructor"), ("[method]", "method"), ("[static]", "static")] where name.hasPrefix(kind) {
            return word + "_" + CGuestTypes.snake(String(name.dropFirst(kind.count).map { $0 == "." ? "_" : $0 }))
        }
        return CGuestTypes.snake(name)
    }

    // MARK: placing

    private mutating func add(_ resource: CGuestResource, world: WITWorld) throws {
        let interface = resource.interface.qualifiedName
        if let existing = byName[resource.name] {
            guard existing.interface.qualifiedName == interface, existing.isImport == resource.isImport else {
                throw PlugboardError.invalidArgument(
                    "C guest bindings: world \(world.name) has two resources named \(resource.name) (of \(existing.interface.qualifiedName) and \(interface)), which map to the same C names; rename one of them")
            }
            return
        }
        let imported = world.imports.contains { $0.qualifiedName == interface }
        let exported = world.exports.contains { $0.qualifiedName == interface }
        if imported && exported {
            throw PlugboardError.unsupportedType(
                "resource \(resource.name) of \(interface) (C guest bindings cannot bind a resource whose interface the world both imports and exports)")
        }
        byName[resource.name] = resource
        ordered.append(resource)
    }

    /// Where a handle's resource lives when no function of the world names it: the interface its handle type
    /// records, on the side it is used on, else among the imports (an export may use an imported resource, never
    /// the other way round).
    private static func place(_ handle: WITResourceType, usedOn isImport: Bool, in world: WITWorld, context: String) throws -> CGuestResource {
        let candidates = (isImport ? [(world.imports, true)] : [(world.exports, false), (world.imports, true)])
        for (interfaces, side) in candidates {
            if let interface = interfaces.first(where: { $0.qualifiedName == handle.interface }) {
                return CGuestResource(name: handle.name, interface: interface, isImport: side)
            }
        }
        // A resource of an interface the world imports only through a `use` (WASI's `error` of wasi:io/error, used
        // by wasi:io/streams): the host's, from that interface, as wit-parser imports it implicitly.
        if let name = handle.interface, let interface = WITInterface(qualifiedName: name),
            !world.exports.contains(where: { $0.qualifiedName == name })
        {
            return CGuestResource(name: handle.name, interface: interface, isImport: true)
        }
        throw PlugboardError.unsupportedType(
            "resource \(handle.name) (in \(context); C guest bindings cannot tell which interface of world \(world.name) defines it)")
    }
}
