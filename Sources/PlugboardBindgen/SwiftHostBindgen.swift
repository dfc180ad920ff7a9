import PlugboardABI
/// Generates Swift host bindings for a WIT world.
///
/// The output declares:
/// - a Swift type per named WIT type the world's functions use: records become structs, variants enums with
///   associated values, enums `String`-backed enums, flags `OptionSet`s; options are `Optional`, results
///   ``WITResult`` (`Void` for a missing payload), tuples Swift tuples, lists arrays. Each type conforms to
///   ``WITValueConvertible``, `Sendable` and `Hashable`;
/// - a Swift type per resource, wherever its `own` or `borrow` handles appear (below);
/// - `<World>.world`, the world as a ``WITWorld`` value;
/// - `<World>Exports`, typed calls to the plugin's exports (`try await exports.process(request)`);
/// - `<World>Imports` (`async` methods) and `<World>SyncImports` (synchronous ones), protocols for the host's
///   side of the imports, each with `hostFunctions()` to register an implementation.
///
/// Resources: a resource `counter` becomes `public struct Counter: Sendable, Hashable`, wrapping the
/// ``WITResource`` behind the handle (`counter.resource`), with `Counter.resourceType`, its ``WITResourceType``.
/// - The functions of a resource the plugin exports are members of its type that take the world's exports:
///   `[constructor]counter` is `try await Counter(start: 7, on: exports)`, `[method]counter.get` is
///   `try await counter.get(on: exports)` (the counter is lent for the call) and `[static]counter.merge` is
///   `try await Counter.merge(a, b: b, on: exports)`. The host owns what the plugin returns: it passes it back as
///   `borrow` any number of times, as `own` once (the plugin takes it back), or calls `resource.destroy()` (the
///   plugin's destructor runs at its next call).
/// - The functions of a resource the host implements are requirements of the imports protocols with flat names:
///   `[constructor]thing` is `makeThing(context:…)`, `[method]thing.poke` is `thingPoke(context:thing:)` (`self` is
///   named after the resource), `[static]thing.count` is `thingCount(context:…)`. The host makes a resource with
///   `Thing(hosting: value, destructor: …)`; the plugin then holds a handle, never the value, and the destructor
///   runs once, when the last owner drops it. A `Thing` the host receives as `own` is the host's to destroy.
///
/// Generated code lowers Swift values straight into guest memory and lifts them straight out of it through
/// ``ExportCall`` (``Plugin/call(_:_:)``) and ``ImportCall`` (``HostFunction/lowered``), with the bounds checks and
/// budgets dynamic calls have; each type also converts to and from ``WITValue`` for dynamic use. The output depends
/// only on the world and the options (no dates, no paths beyond those given), so it is byte-identical across runs.
///
/// ```swift
/// let world = try WITPackage.load(path: "wit/").world(named: "plugin-world")
/// let source = try SwiftHostBindgen.generate(world: world)
/// ```
public enum SwiftHostBindgen {
    /// How to generate.
    public struct Options: Sendable, Hashable {
        /// The WIT path shown in the header's regenerate command.
        public var witPath: String
        /// The output path shown in the header's regenerate command.
        public var outputPath: String
        /// The modules the generated file imports (default `Plugboard`; the library's own default-world bindings,
        /// compiled into PlugboardRuntime, import only PlugboardABI).
        public var imports: [String]
        /// Named types whose Swift declarations another generated file of the same module already has (for
        /// several worlds of one package); their names must be the ones that file gave them. Resources (as
        /// `own<R>`) are matched by name.
        public var omittedTypes: Set<WITType>

        public init(witPath: String = "<wit-dir>", outputPath: String = "<file>", imports: [String] = ["Plugboard"], omittedTypes: Set<WITType> = []) {
            self.witPath = witPath
            self.outputPath = outputPath
            self.imports = imports
            self.omittedTypes = omittedTypes
        }
    }

    /// The Swift source of the bindings for `world`.
    /// - Throws: ``PlugboardError`` with code `unsupportedType` if a function uses a future or stream, or flags
    ///   with more than 64 members.
    public static func generate(world: WITWorld) throws -> String {
        try generate(world: world, options: Options())
    }

    /// The Swift source of the bindings for `world`, generated with `options`.
    public static func generate(world: WITWorld, options: Options) throws -> String {
        var generator = try SwiftHostGenerator(world: world, options: options)
        return generator.render()
    }

    /// The named WIT types (records, variants, enums, flags) and the resources (as `own<R>`, with the interface
    /// declaring the resource) whose Swift declarations the bindings of `world` contain, in declaration order.
    public static func namedTypes(of world: WITWorld) throws -> [WITType] {
        try SwiftHostGenerator(world: world, options: Options()).namedTypes.map(\.type)
    }
}

/// One generation run: named-type discovery, naming, then emission.
package struct SwiftHostGenerator {
    package let world: WITWorld
    package let options: SwiftHostBindgen.Options
    /// Named types in declaration order (dependencies first), each with the interface it was first seen in.
    private(set) var namedTypes: [(type: WITType, interface: WITInterface)] = []
    /// The resources the world uses, by WIT name.
    let resources: [String: SwiftHostResource]
    private(set) var typeNames: [WITType: String] = [:]
    private var lines: [String] = []

    /// The Swift name of the world's namespace enum (`plugin-world` → `PluginWorld`).
    package let worldName: String

    package init(world: WITWorld, options: SwiftHostBindgen.Options) throws {
        self.world = world
        self.options = options
        self.worldName = SwiftHostNaming.typeName(world.name)
        self.resources = SwiftHostResource.all(in: world)
        var seen = Set<WITType>()
        for interface in world.imports + world.exports {
            for function in interface.functions {
                if let role = ResourceFunctionRole(functionName: function.name) {
                    try collect(.own(WITResourceType(role.resource)), interface: interface, seen: &seen)
                }
                for type in function.parameters.map(\.type) + function.results {
                    if let unsupported = type.firstUnsupported {
                        throw PlugboardError.unsupportedType("\(unsupported) (in \(interface.qualifiedName)#\(function.name))")
                    }
                    try collect(type, interface: interface, seen: &seen)
                }
            }
        }
        assignNames()
    }

    private mutating func collect(_ type: WITType, interface: WITInterface, seen: inout Set<WITType>) throws {
        switch type {
        case .list(let element), .option(let element):
            try collect(element, interface: interface, seen: &seen)
        case .tuple(let elements):
            for element in elements { try collect(element, interface: interface, seen: &seen) }
        case .result(let ok, let error):
            if let ok { try collect(ok, interface: interface, seen: &seen) }
            if let error { try collect(error, interface: interface, seen: &seen) }
        case .record(_, let fields):
            guard !seen.contains(type) else { return }
            for field in fields { try collect(field.type, interface: interface, seen: &seen) }
            seen.insert(type)
            namedTypes.append((type, interface))
        case .variant(_, let cases):
            guard !seen.contains(type) else { return }
            for payload in cases.compactMap(\.payload) { try collect(payload, interface: interface, seen: &seen) }
            seen.insert(type)
            namedTypes.append((type, interface))
        case .enum, .flags:
            guard !seen.contains(type) else { return }
            if case .flags(let name, let flags) = type, flags.count > 64 {
                throw PlugboardError.unsupportedType("flags \(name) with \(flags.count) members (at most 64)")
            }
            seen.insert(type)
            namedTypes.append((type, interface))
        case .own(let resource), .borrow(let resource):
            let declared = declaredType(of: resource)
            guard !seen.contains(declared) else { return }
            seen.insert(declared)
            namedTypes.append((declared, interface))
        default:
            break
        }
    }

    /// PascalCase names; a name that two different types share, or that would shadow a type the generated code
    /// uses, is prefixed with its interface's name (`error` in `store` → `StoreError`), then suffixed if needed.
    private mutating func assignNames() {
        var baseCounts: [String: Int] = [:]
        for (type, _) in namedTypes { baseCounts[SwiftHostNaming.typeName(Self.witName(of: type)), default: 0] += 1 }
        let worldLevel: Set<String> = [worldName, worldName + "Exports", worldName + "Imports", worldName + "SyncImports"]
        var used = Set<String>()
        for (type, interface) in namedTypes {
            let base = SwiftHostNaming.typeName(Self.witName(of: type))
            var name = base
            if baseCounts[base, default: 0] > 1 || SwiftHostNaming.reservedTypeNames.contains(base) || worldLevel.contains(base) {
                name = SwiftHostNaming.typeName(interface.name ?? world.name) + base
            }
            while used.contains(name) || SwiftHostNaming.reservedTypeNames.contains(name) || worldLevel.contains(name) { name += "_" }
            used.insert(name)
            typeNames[type] = name
        }
    }

    package static func witName(of type: WITType) -> String {
        switch type {
        case .record(let name, _), .variant(let name, _), .enum(let name, _), .flags(let name, _): name
        case .own(let resource), .borrow(let resource): resource.name
        default: type.description
        }
    }

    // MARK: rendering

    package mutating func render() -> String {
        lines = []
        emit("// Generated by plugboard bindgen from \(world.qualifiedName) — DO NOT EDIT. Regenerate: swift run plugboard bindgen --host swift \(options.witPath) --world \(world.name) -o \(options.outputPath)")
        if !options.imports.isEmpty {
            emit("")
            for module in options.imports { emit("import \(module)") }
        }
        for (type, interface) in namedTypes where !isOmitted(type) {
            emit("")
            emitNamedType(type, interface: interface)
        }
        emit("")
        emitWorld()
        if !world.exports.isEmpty {
            emit("")
            let resourceExports = emitExports()
            emitResourceFunctions(resourceExports)
        }
        if !world.imports.isEmpty {
            emit("")
            emitImports(async: true)
            emit("")
            emitImports(async: false)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether another file declares `type` (``SwiftHostBindgen/Options/omittedTypes``).
    private func isOmitted(_ type: WITType) -> Bool {
        if case .own(let resource) = type {
            return options.omittedTypes.contains { if case .own(let omitted) = $0 { omitted.matches(resource) } else { false } }
        }
        return options.omittedTypes.contains(type)
    }

    mutating func emit(_ line: String) {
        lines.append(line)
    }

    mutating func emit(_ block: [String], indent: Int) {
        let prefix = String(repeating: "    ", count: indent)
        for line in block { lines.append(line.isEmpty ? "" : prefix + line) }
    }

    // MARK: named types

    private mutating func emitNamedType(_ type: WITType, interface: WITInterface) {
        let name = typeNames[type]!
        if case .own(let resource) = type {
            emitResourceType(resources[resource.name]!, name: name)
            return
        }
        let origin = interface.name == nil ? world.qualifiedName : interface.qualifiedName
        let hashable = isNativelyHashable(type)
        switch type {
        case .record(let witName, let fields):
            let reserved: Set<String> = ["witValue", "witType"]
            let members = fields.map { (field: $0, id: SwiftHostNaming.identifier($0.name, reserved: reserved)) }
            emit("/// The WIT record `\(witName)` of `\(origin)`.")
            emit("public struct \(name): Sendable, Hashable {")
            for (field, id) in members { emit("    public var \(id): \(swiftType(field.type))") }
            emit("")
            let parameters = members.map { "\($0.id): \(swiftType($0.field.type))\(defaultValue($0.field.type))" }
            emit("    public init(\(parameters.joined(separator: ", "))) {")
            for (_, id) in members { emit("        self.\(id) = \(id)") }
            emit("    }")
            emit("}")
            emit("")
            emit("extension \(name): WITValueConvertible {")
            emit("    public static let witType: WITType = \(definitionLiteral(type))")
            emit("")
            emit("    public init(witValue: WITValue) throws {")
            emit("        let fields = try witValue.asRecord(\(literal(witName)), fields: [\(fields.map { literal($0.name) }.joined(separator: ", "))])")
            let arguments = members.enumerated().map { index, member in "\(label(member.id)): \(lift(member.field.type, "fields[\(index)]", depth: 0))" }
            emit("        self.init(")
            for (index, argument) in arguments.enumerated() { emit("            \(argument)\(index == arguments.count - 1 ? "" : ",")") }
            emit("        )")
            emit("    }")
            emit("")
            emit("    public var witValue: WITValue {")
            emit("        .record([")
            for (field, id) in members { emit("            WITValue.Field(\(literal(field.name)), \(lower(field.type, "self.\(id)", depth: 0))),") }
            emit("        ])")
            emit("    }")
            if !hashable { emitHashableThroughWITValue() }
            emit("}")
        case .variant(let witName, let cases):
            let reserved: Set<String> = ["witValue", "witType"]
            let members = cases.map { (witCase: $0, id: SwiftHostNaming.identifier($0.name, reserved: reserved)) }
            emit("/// The WIT variant `\(witName)` of `\(origin)`.")
            emit("public enum \(name): Sendable, Hashable {")
            for (witCase, id) in members {
                emit("    case \(id)\(witCase.payload.map { "(\(swiftType($0)))" } ?? "")")
            }
            emit("}")
            emit("")
            emit("extension \(name): WITValueConvertible {")
            emit("    public static let witType: WITType = \(definitionLiteral(type))")
            emit("")
            emit("    public init(witValue: WITValue) throws {")
            emit("        let (name, payload) = try witValue.asVariant(\(literal(witName)))")
            emit("        switch name {")
            for (witCase, id) in members {
                emit("        case \(literal(witCase.name)):")
                if let payload = witCase.payload {
                    emit("            self = .\(id)(\(lift(payload, "WITValue.payload(payload, of: \(literal("\(witName).\(witCase.name)")))", depth: 0)))")
                } else {
                    emit("            try WITValue.noPayload(payload, of: \(literal("\(witName).\(witCase.name)")))")
                    emit("            self = .\(id)")
                }
            }
            emit("        default:")
            emit("            throw WITValue.bindingMismatch(witValue, expected: \(literal(witName)))")
            emit("        }")
            emit("    }")
            emit("")
            emit("    public var witValue: WITValue {")
            emit("        switch self {")
            for (witCase, id) in members {
                if let payload = witCase.payload {
                    emit("        case .\(id)(let payload): return .variant(case: \(literal(witCase.name)), payload: \(lower(payload, "payload", depth: 0)))")
                } else {
                    emit("        case .\(id): return .variant(case: \(literal(witCase.name)), payload: nil)")
                }
            }
            emit("        }")
            emit("    }")
            if !hashable { emitHashableThroughWITValue() }
            emit("}")
        case .enum(let witName, let cases):
            let reserved: Set<String> = ["witValue", "witType", "rawValue", "allCases"]
            emit("/// The WIT enum `\(witName)` of `\(origin)`; raw values are the WIT names.")
            emit("public enum \(name): String, Sendable, Hashable, CaseIterable {")
            for witCase in cases {
                let id = SwiftHostNaming.identifier(witCase, reserved: reserved)
                let plain = id.trimmingBackticks
                emit("    case \(id)\(plain == witCase ? "" : " = \(literal(witCase))")")
            }
            emit("}")
            emit("")
            emit("extension \(name): WITValueConvertible {")
            emit("    public static let witType: WITType = \(definitionLiteral(type))")
            emit("")
            emit("    public init(witValue: WITValue) throws {")
            emit("        guard let value = Self(rawValue: try witValue.asEnum(\(literal(witName)))) else {")
            emit("            throw WITValue.bindingMismatch(witValue, expected: \(literal(witName)))")
            emit("        }")
            emit("        self = value")
            emit("    }")
            emit("")
            emit("    public var witValue: WITValue { .enum(rawValue) }")
            emit("}")
        case .flags(let witName, let flags):
            let reserved: Set<String> = ["witValue", "witType", "rawValue", "witNames"]
            let raw = flags.count <= 32 ? "UInt32" : "UInt64"
            emit("/// The WIT flags `\(witName)` of `\(origin)`.")
            emit("public struct \(name): OptionSet, Sendable, Hashable {")
            emit("    public let rawValue: \(raw)")
            emit("")
            emit("    public init(rawValue: \(raw)) {")
            emit("        self.rawValue = rawValue")
            emit("    }")
            emit("")
            for (index, flag) in flags.enumerated() {
                emit("    public static let \(SwiftHostNaming.identifier(flag, reserved: reserved)) = \(name)(rawValue: 1 << \(index))")
            }
            emit("}")
            emit("")
            emit("extension \(name): WITValueConvertible {")
            emit("    public static let witType: WITType = \(definitionLiteral(type))")
            emit("")
            emit("    /// The WIT flag names, bit 0 first.")
            emit("    static let witNames: [String] = [\(flags.map(literal).joined(separator: ", "))]")
            emit("")
            emit("    public init(witValue: WITValue) throws {")
            emit("        self.init(rawValue: \(raw)(truncatingIfNeeded: try witValue.asFlags(\(literal(witName)), names: Self.witNames)))")
            emit("    }")
            emit("")
            emit("    public var witValue: WITValue { .flags(bits: UInt64(rawValue), names: Self.witNames) }")
            emit("}")
        default:
            break
        }
        let generator = self
        emit(SwiftHostCanonicalCode.namedTypeHelpers(type, name: name, caseIdentifiers: canonicalMemberIdentifiers(type), swiftType: { generator.swiftType($0) }), indent: 0)
    }

    /// The Swift identifiers of a record's fields, a variant's or an enum's cases, as ``emitNamedType`` declares them.
    private func canonicalMemberIdentifiers(_ type: WITType) -> [String] {
        switch type {
        case .record(_, let fields): fields.map { SwiftHostNaming.identifier($0.name, reserved: ["witValue", "witType"]) }
        case .variant(_, let cases): cases.map { SwiftHostNaming.identifier($0.name, reserved: ["witValue", "witType"]) }
        case .enum(_, let cases): cases.map { SwiftHostNaming.identifier($0, reserved: ["witValue", "witType", "rawValue", "allCases"]) }
        default: []
        }
    }

    /// `==` and `hash(into:)` for a type whose members (tuples, `Void` results) rule out synthesized ones: two
    /// values are equal when their WIT values are.
    private mutating func emitHashableThroughWITValue() {
        emit("")
        emit("    // Tuples or `Void` results inside rule out synthesized conformances; compare the WIT values.")
        emit("    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.witValue == rhs.witValue }")
        emit("")
        emit("    public func hash(into hasher: inout Hasher) { hasher.combine(witValue) }")
    }

    private func defaultValue(_ type: WITType) -> String {
        switch type {
        case .option: " = nil"
        case .list: " = []"
        default: ""
        }
    }

    // MARK: world

    private mutating func emitWorld() {
        emit("/// The WIT world `\(world.qualifiedName)` these bindings were generated from.")
        emit("public enum \(worldName) {")
        emit("    /// The world, for ``PluginHost/Configuration`` and dynamic calls.")
        emit("    public static let world = WITWorld(")
        emit("        package: \(packageLiteral(world.package)),")
        emit("        name: \(literal(world.name)),")
        emit("        imports: [")
        for interface in world.imports { emit(interfaceLiteral(interface), indent: 3) }
        emit("        ],")
        emit("        exports: [")
        for interface in world.exports { emit(interfaceLiteral(interface), indent: 3) }
        emit("        ]")
        emit("    )")
        emit("}")
    }

    private func packageLiteral(_ package: WITPackageName?) -> String {
        guard let package else { return "nil" }
        let version = package.version.map { version in
            "SemanticVersion(\(version.major), \(version.minor), \(version.patch)\(version.prerelease.map { ", prerelease: \(literal($0))" } ?? ""))"
        } ?? "nil"
        return "WITPackageName(namespace: \(literal(package.namespace)), name: \(literal(package.name)), version: \(version))"
    }

    private func interfaceLiteral(_ interface: WITInterface) -> [String] {
        var block = ["WITInterface("]
        block.append("    package: \(packageLiteral(interface.package)),")
        block.append("    name: \(interface.name.map(literal) ?? "nil"),")
        block.append("    functions: [")
        for function in interface.functions {
            let parameters = function.parameters.map { "WITParameter(\(literal($0.name)), \(typeLiteral($0.type)))" }
            block.append("        WITFunction(")
            block.append("            name: \(literal(function.name)),")
            block.append("            parameters: [\(parameters.joined(separator: ", "))],")
            block.append("            results: [\(function.results.map(typeLiteral).joined(separator: ", "))]),")
        }
        block.append("    ]),")
        return block
    }

    // MARK: exports

    /// Swift method names for the functions of `interfaces`: camelCase (resource functions by their flat names,
    /// ``SwiftHostNaming/flatName(_:)``), prefixed with the interface's name when two interfaces have functions of
    /// the same name. Without `resourceFunctions`, those are left out (named `""`), and count for no clash.
    private func methodNames(_ interfaces: [WITInterface], reserved: Set<String>, resourceFunctions: Bool = true) -> [[String]] {
        func named(_ function: WITFunction) -> Bool { resourceFunctions || ResourceFunctionRole(functionName: function.name) == nil }
        var counts: [String: Int] = [:]
        for interface in interfaces {
            for function in interface.functions where named(function) { counts[SwiftHostNaming.memberName(function.name), default: 0] += 1 }
        }
        return interfaces.map { interface in
            interface.functions.map { function in
                guard named(function) else { return "" }
                let base = SwiftHostNaming.memberName(function.name)
                if counts[base, default: 0] > 1, let prefix = interface.name {
                    return SwiftHostNaming.identifier(prefix + "-" + SwiftHostNaming.flatName(function.name), reserved: reserved)
                }
                return SwiftHostNaming.identifier(function.name, reserved: reserved)
            }
        }
    }

    func returnType(_ function: WITFunction) -> String {
        switch function.results.count {
        case 0: ""
        case 1: " -> \(swiftType(function.results[0]))"
        default: " -> (\(function.results.map(swiftType).joined(separator: ", ")))"
        }
    }

    /// Emits `<World>Exports`; returns the exported resource functions, which ``emitResourceFunctions(_:)`` makes
    /// members of their resources' types.
    private mutating func emitExports() -> [ExportedResourceFunction] {
        let name = worldName + "Exports"
        let names = methodNames(world.exports, reserved: ["plugin", "init"], resourceFunctions: false)
        var resourceFunctions: [ExportedResourceFunction] = []
        emit("/// Typed calls to the exports of `\(world.qualifiedName)`.")
        emit("///")
        emit("/// Each method lowers its arguments straight into the guest's memory and lifts the results straight out of it")
        emit("/// (``Plugin/call(_:_:)`` with an ``ExportCall``), under the same bounds checks and budgets as dynamic calls.")
        emit("/// The static variants take the plugin as an argument.")
        emit("public struct \(name): Sendable {")
        var exportCount = 0
        emit("    /// The plugin called.")
        emit("    public let plugin: Plugin")
        emit("")
        emit("    public init(_ plugin: Plugin) {")
        emit("        self.plugin = plugin")
        emit("    }")
        for (interfaceIndex, interface) in world.exports.enumerated() {
            for (functionIndex, function) in interface.functions.enumerated() {
                let export = "_export\(exportCount)"
                exportCount += 1
                if let role = ResourceFunctionRole(functionName: function.name) {
                    resourceFunctions.append(ExportedResourceFunction(role: role, interface: interface, function: function, export: export))
                    emit("")
                    emit("    /// `\(function.name)` of `\(interface.qualifiedName)`, called by the members of ``\(swiftType(.own(WITResourceType(role.resource))))``.")
                    emit("    fileprivate static let \(export) = TypedExport(\(worldName).world.exports[\(interfaceIndex)], function: \(functionIndex))")
                    continue
                }
                let method = names[interfaceIndex][functionIndex]
                let parameterIDs = function.parameters.map { SwiftHostNaming.identifier($0.name, reserved: ["plugin", "results"]) }
                let declared = zip(function.parameters, parameterIDs).enumerated().map { index, pair in
                    "\(index == 0 ? "_ " : "")\(pair.1): \(swiftType(pair.0.type))"
                }
                let passed = parameterIDs.enumerated().map { index, id in index == 0 ? id : "\(label(id)): \(id)" }
                let staticParameters = (declared + ["on plugin: Plugin"]).joined(separator: ", ")
                let where_ = interface.name == nil ? "" : " of `\(interface.qualifiedName)`"
                emit("")
                emit("    /// Calls `\(function.name)`\(where_).")
                emit("    public func \(method)(\(declared.joined(separator: ", "))) async throws\(returnType(function)) {")
                emit("        try await Self.\(method)(\((passed + ["on: plugin"]).joined(separator: ", ")))")
                emit("    }")
                emit("")
                emit("    /// Calls `\(function.name)`\(where_) on `plugin`.")
                emit("    public static func \(method)(\(staticParameters)) async throws\(returnType(function)) {")
                let generator = self
                let result = function.results.isEmpty ? "Void" : String(returnType(function).dropFirst(4))
                emit(
                    SwiftHostCanonicalCode.exportCall(
                        function, parameters: parameterIDs, export: "Self.\(export)", swiftType: { generator.swiftType($0) },
                        returnType: result),
                    indent: 0)
                emit("    }")
                emit("")
                emit("    private static let \(export) = TypedExport(\(worldName).world.exports[\(interfaceIndex)], function: \(functionIndex))")
            }
        }
        emit("}")
        return resourceFunctions
    }

    // MARK: imports

    private mutating func emitImports(async: Bool) {
        let name = worldName + (async ? "Imports" : "SyncImports")
        let names = methodNames(world.imports, reserved: ["hostFunctions", "init"])
        let effects = async ? "async throws" : "throws"
        if async {
            emit("/// The host's side of the imports of `\(world.qualifiedName)`, with `async` methods: a method may await,")
            emit("/// and the guest sees a blocking call. A synchronous method also satisfies a requirement.")
            emit("///")
            emit("/// Each call runs the method as a task while the plugin's thread waits; when no method awaits, implement")
            emit("/// ``\(worldName)SyncImports`` instead, which calls the methods directly.")
        } else {
            emit("/// The host's side of the imports of `\(world.qualifiedName)`, with synchronous methods that run on the")
            emit("/// plugin's thread while the guest waits. Use ``\(worldName)Imports`` for methods that await.")
        }
        emit("public protocol \(name): Sendable {")
        for (interfaceIndex, interface) in world.imports.enumerated() {
            for (functionIndex, function) in interface.functions.enumerated() {
                let method = names[interfaceIndex][functionIndex]
                let parameters = ["context: HostCallContext"] + zip(function.parameters, importParameterIDs(function)).map { parameter, id in
                    "\(id): \(swiftType(parameter.type))"
                }
                if !(interfaceIndex == 0 && functionIndex == 0) { emit("") }
                emit("    /// `\(function.name)`\(interface.name == nil ? "" : " of `\(interface.qualifiedName)`"): \(function.signature).")
                emit("    func \(method)(\(parameters.joined(separator: ", "))) \(effects)\(returnType(function))")
            }
        }
        emit("}")
        emit("")
        emit("extension \(name) {")
        emit("    /// Host functions that call this implementation, for ``PluginHost/Configuration``.")
        emit("    public func hostFunctions() -> [HostFunction] {")
        emit("        let imports = \(worldName).world.imports")
        emit("        return [")
        for (interfaceIndex, interface) in world.imports.enumerated() {
            for (functionIndex, function) in interface.functions.enumerated() {
                let method = names[interfaceIndex][functionIndex]
                let labels = importParameterIDs(function)
                let count = function.parameters.count
                let arguments = ["context: context"] + zip(function.parameters, labels).enumerated().map { index, pair in
                    "\(label(pair.1)): \(lift(pair.0.type, "arguments[\(index)]", depth: 0))"
                }
                let kind = async ? "asyncImplementation" : "implementation"
                let interfaceRef = "imports[\(interfaceIndex)]"
                emit("            HostFunction(")
                emit("                module: \(interfaceRef).qualifiedName, function: \(interfaceRef).functions[\(functionIndex)],")
                emit("                \(kind): { context, arguments in")
                if count > 0 {
                    emit("                    let arguments = try WITValue.values(arguments, count: \(count), of: \(literal(function.name)))")
                }
                let call = "try \(async ? "await " : "")self.\(method)(\(arguments.joined(separator: ", ")))"
                switch function.results.count {
                case 0:
                    emit("                    \(call)")
                    emit("                    return []")
                case 1:
                    emit("                    let result = \(call)")
                    emit("                    return [\(lower(function.results[0], "result", depth: 0))]")
                default:
                    emit("                    let result = \(call)")
                    let lowered = function.results.enumerated().map { lower($0.element, "result.\($0.offset)", depth: 0) }
                    emit("                    return [\(lowered.joined(separator: ", "))]")
                }
                emit("                },")
                let typedArguments = ["context: context"] + labels.enumerated().map { index, id in "\(label(id)): _a\(index)" }
                let typedCall = async
                    ? "try HostFunction.serving { try HostFunction.waitFor { try await self.\(method)(\(typedArguments.joined(separator: ", "))) } }"
                    : "try HostFunction.serving { try self.\(method)(\(typedArguments.joined(separator: ", "))) }"
                let generator = self
                emit("                lowered: { context, _call in")
                emit(SwiftHostCanonicalCode.importCall(function, call: typedCall, swiftType: { generator.swiftType($0) }), indent: 0)
                emit("                }),")
            }
        }
        emit("        ]")
        emit("    }")
        emit("}")
    }

    /// The Swift parameter names of an imported function's requirement (after `context`): a method's `self` is
    /// named after its resource (`thing`), and the other parameters make way for it.
    private func importParameterIDs(_ function: WITFunction) -> [String] {
        guard case .method(let resource, _)? = ResourceFunctionRole(functionName: function.name), function.parameters.first?.name == "self" else {
            return function.parameters.map { SwiftHostNaming.identifier($0.name, reserved: ["context"]) }
        }
        let receiver = SwiftHostNaming.identifier(resource, reserved: ["context"])
        return [receiver] + function.parameters.dropFirst().map { SwiftHostNaming.identifier($0.name, reserved: ["context", receiver.trimmingBackticks]) }
    }

    // MARK: types and conversions

    /// The Swift spelling of a WIT type.
    package func swiftType(_ type: WITType) -> String {
        switch type {
        case .bool: "Bool"
        case .s8: "Int8"
        case .u8: "UInt8"
        case .s16: "Int16"
        case .u16: "UInt16"
        case .s32: "Int32"
        case .u32: "UInt32"
        case .s64: "Int64"
        case .u64: "UInt64"
        case .f32: "Float"
        case .f64: "Double"
        case .char: "Unicode.Scalar"
        case .string: "String"
        case .list(let element): "[\(swiftType(element))]"
        case .record, .variant, .enum, .flags: typeNames[type]!
        case .tuple(let elements): elements.count == 1 ? swiftType(elements[0]) : "(\(elements.map(swiftType).joined(separator: ", ")))"
        case .option(let wrapped): "\(swiftType(wrapped))?"
        case .result(let ok, let error): "WITResult<\(ok.map(swiftType) ?? "Void"), \(error.map(swiftType) ?? "Void")>"
        case .own(let resource), .borrow(let resource): typeNames[declaredType(of: resource)]!
        case .unsupported(let what): "Never /* \(what) */"
        }
    }

    /// Whether the Swift type gets synthesized `Hashable` (no tuples, no `Void` result payloads).
    package func isNativelyHashable(_ type: WITType) -> Bool {
        switch type {
        case .list(let element), .option(let element): isNativelyHashable(element)
        case .tuple(let elements): elements.count == 1 && isNativelyHashable(elements[0])
        case .result(let ok, let error): ok.map(isNativelyHashable) ?? false && error.map(isNativelyHashable) ?? false
        case .record(_, let fields): fields.allSatisfy { isNativelyHashable($0.type) }
        case .variant(_, let cases): cases.allSatisfy { $0.payload.map(isNativelyHashable) ?? true }
        default: true
        }
    }

    /// The ``WITType`` expression for a type, referring to named types by their `witType`.
    package func typeLiteral(_ type: WITType) -> String {
        switch type {
        case .bool, .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64, .f32, .f64, .char, .string: ".\(type.description)"
        case .list(let element): ".list(\(typeLiteral(element)))"
        case .record, .variant, .enum, .flags: "\(typeNames[type]!).witType"
        case .tuple(let elements): ".tuple([\(elements.map(typeLiteral).joined(separator: ", "))])"
        case .option(let wrapped): ".option(\(typeLiteral(wrapped)))"
        case .result(let ok, let error): ".result(ok: \(ok.map(typeLiteral) ?? "nil"), error: \(error.map(typeLiteral) ?? "nil"))"
        case .own(let resource): ".own(\(resourceTypeLiteral(resource)))"
        case .borrow(let resource): ".borrow(\(resourceTypeLiteral(resource)))"
        case .unsupported(let what): ".unsupported(\(literal(what)))"
        }
    }

    /// The ``WITResourceType`` expression for a resource, with its interface when it has one.
    func resourceTypeLiteral(_ resource: WITResourceType) -> String {
        "WITResourceType(\(literal(resource.name))\(resource.interface.map { ", interface: \(literal($0))" } ?? ""))"
    }

    /// The key of a resource's Swift declaration (in ``namedTypes`` and ``typeNames``): the world's resource of its name.
    func declaredType(of resource: WITResourceType) -> WITType {
        resources[resource.name]?.declaredType ?? .own(resource)
    }

    /// The full ``WITType`` expression of a named type.
    package func definitionLiteral(_ type: WITType) -> String {
        switch type {
        case .record(let name, let fields):
            ".record(name: \(literal(name)), fields: [\(fields.map { "WITField(\(literal($0.name)), \(typeLiteral($0.type)))" }.joined(separator: ", "))])"
        case .variant(let name, let cases):
            ".variant(name: \(literal(name)), cases: [\(cases.map { "WITCase(\(literal($0.name))\($0.payload.map { ", \(typeLiteral($0))" } ?? ""))" }.joined(separator: ", "))])"
        case .enum(let name, let cases):
            ".enum(name: \(literal(name)), cases: [\(cases.map(literal).joined(separator: ", "))])"
        case .flags(let name, let flags):
            ".flags(name: \(literal(name)), flags: [\(flags.map(literal).joined(separator: ", "))])"
        default:
            typeLiteral(type)
        }
    }

    /// A Swift expression converting the Swift value `value` of `type` to a ``WITValue``.
    package func lower(_ type: WITType, _ value: String, depth: Int) -> String {
        let v = "v\(depth)"
        switch type {
        case .bool, .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64, .f32, .f64, .char, .string:
            return ".\(type.description)(\(value))"
        case .list(let element):
            return ".list(\(value).map { (\(v): \(swiftType(element))) -> WITValue in \(lower(element, v, depth: depth + 1)) })"
        case .record, .variant, .enum, .flags, .own, .borrow:
            return "\(value).witValue"
        case .tuple(let elements):
            if elements.count == 1 { return ".tuple([\(lower(elements[0], value, depth: depth))])" }
            return ".tuple([\(elements.enumerated().map { lower($0.element, "\(value).\($0.offset)", depth: depth) }.joined(separator: ", "))])"
        case .option(let wrapped):
            return ".option(\(value).map { (\(v): \(swiftType(wrapped))) -> WITValue in \(lower(wrapped, v, depth: depth + 1)) })"
        case .result(let ok, let error):
            func payload(_ type: WITType?) -> String {
                guard let type else { return "{ _ in nil }" }
                return "{ (\(v): \(swiftType(type))) -> WITValue? in \(lower(type, v, depth: depth + 1)) }"
            }
            return "\(value).witValue(ok: \(payload(ok)), err: \(payload(error)))"
        case .unsupported:
            return "fatalError(\"unsupported\")"
        }
    }

    /// A throwing Swift expression converting the ``WITValue`` expression `value` to the Swift type of `type`.
    package func lift(_ type: WITType, _ value: String, depth: Int) -> String {
        let v = "v\(depth)"
        let wit = literal(type.description)
        switch type {
        case .bool, .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64, .f32, .f64, .char, .string:
            let method = type.description.prefix(1).uppercased() + type.description.dropFirst()
            return "try \(value).as\(method)()"
        case .list(let element):
            return "try \(value).asList(\(wit)) { (\(v): WITValue) throws -> \(swiftType(element)) in \(lift(element, v, depth: depth + 1)) }"
        case .record, .variant, .enum, .flags, .own, .borrow:
            return "try \(swiftType(type))(witValue: \(value))"
        case .tuple(let elements):
            let body = elements.count == 1
                ? lift(elements[0], "\(v)[0]", depth: depth + 1)
                : "(\(elements.enumerated().map { lift($0.element, "\(v)[\($0.offset)]", depth: depth + 1) }.joined(separator: ", ")))"
            return "try \(value).asTuple(\(wit), count: \(elements.count)) { (\(v): [WITValue]) throws -> \(swiftType(type)) in \(body) }"
        case .option(let wrapped):
            return "try \(value).asOption(\(wit)) { (\(v): WITValue) throws -> \(swiftType(wrapped)) in \(lift(wrapped, v, depth: depth + 1)) }"
        case .result(let ok, let error):
            func payload(_ type: WITType?) -> String {
                guard let type else { return "{ (\(v): WITValue?) throws -> Void in try WITValue.noPayload(\(v), of: \(wit)) }" }
                return "{ (\(v): WITValue?) throws -> \(swiftType(type)) in \(lift(type, "WITValue.payload(\(v), of: \(wit))", depth: depth + 1)) }"
            }
            return "try \(value).asResult(\(wit), ok: \(payload(ok)), err: \(payload(error)))"
        case .unsupported:
            return "fatalError(\"unsupported\")"
        }
    }

    /// An identifier as an argument label at a call site, where only `inout`, `var` and `let` need backticks.
    package func label(_ identifier: String) -> String {
        let plain = identifier.trimmingBackticks
        return ["inout", "var", "let"].contains(plain) ? identifier : plain
    }

    /// A Swift string literal.
    package func literal(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\"\(escaped)\""
    }
}

extension String {
    package var trimmingBackticks: String {
        hasPrefix("`") && hasSuffix("`") ? String(dropFirst().dropLast()) : self
    }
}
