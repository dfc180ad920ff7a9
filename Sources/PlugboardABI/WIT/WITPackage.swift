import Foundation
import WIT

/// A parsed and resolved WIT package: its worlds and interfaces, with every type resolved.
///
/// Parsing and name resolution are done by WasmKit's `WIT` library; this type converts the result into
/// Plugboard's ``WITWorld`` model that the canonical ABI and the loader work with.
public struct WITPackage: Sendable {
    public var name: WITPackageName
    public var worlds: [WITWorld]
    public var interfaces: [WITInterface]

    /// Loads a WIT package from a directory (its `*.wit` files plus packages under `deps/`) or one `.wit` file.
    public static func load(path: String) throws -> WITPackage {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PlugboardError.witNotFound(path: path)
        }
        let loader = ModernWITFileLoader()
        return try convertingWITErrors(source: path) {
            if isDirectory.boolValue {
                let (main, resolver) = try PackageResolver.parse(directory: path, loader: loader)
                var units = [main]
                for dependency in try loader.dependencyDirectories(from: path) {
                    units.append(try PackageUnit.parse(directory: dependency, loader: loader))
                }
                return try WITPackageConverter(main: main, resolver: resolver, units: units, texts: loader.texts(of: main)).convert()
            }
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return try parse(text, fileName: path)
        }
    }

    /// Parses WIT source text holding one package.
    public static func parse(_ text: String, fileName: String = "<memory>.wit") throws -> WITPackage {
        try convertingWITErrors(source: fileName) {
            let resolver = PackageResolver()
            let normalized = ModernWITFileLoader.normalize(text)
            let file = try SourceFileSyntax.parse(normalized, fileName: fileName)
            let unit = try resolver.register(packageSources: [file])
            return try WITPackageConverter(main: unit, resolver: resolver, units: [unit], texts: [fileName: normalized]).convert()
        }
    }

    /// Parses the files of one package (e.g. `plugin.wit` and `http.wit`), given as `(fileName, text)` pairs.
    public static func parse(files: [(fileName: String, text: String)]) throws -> WITPackage {
        try convertingWITErrors(source: files.first?.fileName ?? "<memory>.wit") {
            let resolver = PackageResolver()
            var texts: [String: String] = [:]
            var syntax: [SyntaxNode<SourceFileSyntax>] = []
            for file in files {
                let normalized = ModernWITFileLoader.normalize(file.text)
                texts[file.fileName] = normalized
                syntax.append(try SourceFileSyntax.parse(normalized, fileName: file.fileName))
            }
            let unit = try resolver.register(packageSources: syntax)
            return try WITPackageConverter(main: unit, resolver: resolver, units: [unit], texts: texts).convert()
        }
    }

    /// The world with the given name; the only world when `name` is nil and the package has exactly one.
    public func world(named name: String?) throws -> WITWorld {
        if let name {
            guard let world = worlds.first(where: { $0.name == name }) else {
                throw PlugboardError.witWorldNotFound(name, package: self.name.description, available: worlds.map(\.name))
            }
            return world
        }
        guard worlds.count == 1 else {
            throw PlugboardError.witWorldNotFound(nil, package: self.name.description, available: worlds.map(\.name))
        }
        return worlds[0]
    }

    private static func convertingWITErrors<T>(source: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PlugboardError {
            throw error
        } catch {
            throw PlugboardError.witInvalid(source: source, detail: diagnosticMessage(of: error))
        }
    }

    /// WasmKit's WIT errors keep their message in an internal type; read it by reflection for a clear message.
    package static func diagnosticMessage(of error: any Error) -> String {
        for child in Mirror(reflecting: error).children where child.label == "diagnostic" {
            for field in Mirror(reflecting: child.value).children where field.label == "message" {
                return "\(field.value)"
            }
        }
        return "\(error)"
    }
}

/// Reads WIT files for WasmKit's parser, which knows only the older spellings `float32`/`float64` of
/// today's `f32`/`f64`: those type names are rewritten before parsing (identifiers like `%f32` or `my-f32`
/// are left alone).
package struct ModernWITFileLoader: PackageFileLoader {
    package typealias FilePath = String
    private let base = LocalFileLoader()

    package func packageFiles(in packageDirectory: String) throws -> [String] { try base.packageFiles(in: packageDirectory) }
    /// The package directories under `deps/`, as paths: WasmKit's loader gives their bare names, which resolve only
    /// against the working directory.
    package func dependencyDirectories(from packageDirectory: String) throws -> [String] {
        let deps = URL(fileURLWithPath: packageDirectory).appendingPathComponent("deps")
        return try base.dependencyDirectories(from: packageDirectory).sorted().map { deps.appendingPathComponent($0).path }
    }
    package func contentsOfWITFile(at filePath: String) throws -> String { Self.normalize(try base.contentsOfWITFile(at: filePath)) }

    package static func normalize(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var word = ""
        func flush() {
            switch word {
            case "f32": result += "float32"
            case "f64": result += "float64"
            default: result += word
            }
            word = ""
        }
        for character in text {
            if character.isLetter || character.isNumber || character == "-" || character == "_" || character == "%" {
                word.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }

    package func texts(of unit: PackageUnit) -> [String: String] {
        var texts: [String: String] = [:]
        for file in unit.sourceFiles {
            if let text = try? contentsOfWITFile(at: file.fileName) { texts[file.fileName] = text }
        }
        return texts
    }
}

/// Walks WasmKit's WIT syntax and semantic model and builds Plugboard's resolved model.
private struct WITPackageConverter {
    let main: PackageUnit
    let resolver: PackageResolver
    let units: [PackageUnit]
    let texts: [String: String]
    let context: SemanticsContext
    /// Each interface's resources taken with `use`, worked out once (a `use` chain is followed from many places).
    private let usedResources = UsedResourceMemo()

    init(main: PackageUnit, resolver: PackageResolver, units: [PackageUnit], texts: [String: String]) {
        self.main = main
        self.resolver = resolver
        self.units = units
        self.texts = texts
        self.context = SemanticsContext(rootPackage: main, packageResolver: resolver)
    }

    /// What ``usedResourceOrigins(of:in:unit:depth:)`` found per interface (by qualified name).
    private final class UsedResourceMemo {
        var origins: [String: [String: WITResourceType]] = [:]
    }

    /// Where handles written in one interface point: the interface's qualified name, and the resources it `use`s.
    struct HandleScope {
        let interface: String?
        let origins: [String: WITResourceType]

        /// The resource a handle written here as `name` points at: the one the interface defines, or the one it
        /// took with `use` (followed to the interface that defines it).
        func resource(_ name: String) -> WITResourceType { origins[name] ?? WITResourceType(name, interface: interface) }
    }

    func convert() throws -> WITPackage {
        let diagnostics = try context.validate(package: main)
        let messages = diagnostics.sorted { $0.key < $1.key }.flatMap { file, list in
            list.map { diagnostic -> String in
                if let text = texts[file], let (line, column) = diagnostic.location(text) {
                    return "\(file):\(line):\(column): \(diagnostic.message)"
                }
                return "\(file): \(diagnostic.message)"
            }
        }
        if !messages.isEmpty {
            throw PlugboardError.witInvalid(source: main.packageName.description, detail: messages.joined(separator: "\n"))
        }
        let packageName = Self.name(of: main)
        var worlds: [WITWorld] = []
        var interfaces: [WITInterface] = []
        for file in main.sourceFiles {
            for item in file.items {
                switch item {
                case .world(let world):
                    worlds.append(try convert(world: world, in: file, packageName: packageName))
                case .interface(let interface):
                    interfaces.append(try convert(interface: interface, in: file, unit: main))
                default:
                    break
                }
            }
        }
        return WITPackage(name: packageName, worlds: worlds, interfaces: interfaces)
    }

    static func name(of unit: PackageUnit) -> WITPackageName {
        WITPackageName(parsing: unit.packageName.description)
            ?? WITPackageName(namespace: unit.packageName.namespace.text, name: unit.packageName.name.text)
    }

    func convert(world: SyntaxNode<WorldSyntax>, in file: SyntaxNode<SourceFileSyntax>, packageName: WITPackageName) throws -> WITWorld {
        var imports: [WITInterface] = []
        var exports: [WITInterface] = []
        var rootImports: [WITFunction] = []
        var rootExports: [WITFunction] = []
        for item in world.items {
            switch item {
            case .import(let syntax):
                try collect(syntax.kind, world: world, file: file, interfaces: &imports, functions: &rootImports)
            case .export(let syntax):
                try collect(syntax.kind, world: world, file: file, interfaces: &exports, functions: &rootExports)
            default:
                break
            }
        }
        if !rootImports.isEmpty { imports.append(WITInterface(package: nil, name: nil, functions: rootImports)) }
        if !rootExports.isEmpty { exports.append(WITInterface(package: nil, name: nil, functions: rootExports)) }
        return WITWorld(package: packageName, name: world.name.text, imports: imports, exports: exports)
    }

    func collect(
        _ kind: ExternKindSyntax, world: SyntaxNode<WorldSyntax>, file: SyntaxNode<SourceFileSyntax>,
        interfaces: inout [WITInterface], functions: inout [WITFunction]
    ) throws {
        switch kind {
        case .function(let name, let function):
            functions.append(try convert(function: function, named: name.text, scope: HandleScope(interface: nil, origins: [:])) {
                try context.resolveType($0, in: world, sourceFile: file, contextPackage: main)
            })
        case .path(.id(let name)):
            let (interface, sourceFile) = try context.lookupInterface(name: name.text, contextPackage: main, sourceFile: file)
            interfaces.append(try convert(interface: interface, in: sourceFile, unit: main))
        case .path(.package(let packageName, let name)):
            guard let unit = self.unit(named: packageName) else {
                throw PlugboardError.witInvalid(
                    source: main.packageName.description,
                    detail: "world \(world.name.text) uses package \(packageName) but it is not in deps/")
            }
            let (interface, sourceFile) = try context.lookupInterface(name: name.text, contextPackage: unit)
            interfaces.append(try convert(interface: interface, in: sourceFile, unit: unit))
        case .interface(let name, _):
            throw PlugboardError.witInvalid(
                source: main.packageName.description,
                detail: "world \(world.name.text) declares inline interface '\(name.text)'; declare it as a named interface instead")
        }
    }

    func convert(interface: SyntaxNode<InterfaceSyntax>, in file: SyntaxNode<SourceFileSyntax>, unit: PackageUnit) throws -> WITInterface {
        var functions: [WITFunction] = []
        let scope = self.scope(of: interface, in: file, unit: unit)
        let resolve = { (repr: TypeReprSyntax) in try context.resolveType(repr, in: interface, sourceFile: file, contextPackage: unit) }
        for item in interface.items {
            switch item {
            case .function(let named):
                functions.append(try convert(function: named.function, named: named.name.text, scope: scope, resolve: resolve))
            case .typeDef(let typeDef):
                guard case .resource(let resource) = typeDef.body else { continue }
                functions += try convert(resource: resource, named: typeDef.name.text, scope: scope, resolve: resolve)
            case .use:
                continue
            }
        }
        return WITInterface(package: Self.name(of: unit), name: interface.name.text, functions: functions)
    }

    /// The package unit (the main package or one in deps/) named `packageName`, by namespace and name.
    func unit(named packageName: PackageNameSyntax) -> PackageUnit? {
        units.first { $0.packageName.namespace.text == packageName.namespace.text && $0.packageName.name.text == packageName.name.text }
    }

    static func qualifiedName(of interface: SyntaxNode<InterfaceSyntax>, in unit: PackageUnit) -> String {
        WITInterface(package: name(of: unit), name: interface.name.text, functions: []).qualifiedName
    }

    /// The scope of the interface that defines a record or variant: its fields' handles are written there, and name
    /// resources as that interface knows them (`nil` for a type defined in a world, or not found).
    func scope(definedBy parent: TypeDefinitionContext) -> HandleScope? {
        guard case .interface(let id, .package(let packageName)) = parent,
            let unit = unit(named: packageName),
            let (interface, file) = try? context.lookupInterface(name: id.text, contextPackage: unit)
        else { return nil }
        return scope(of: interface, in: file, unit: unit)
    }

    /// Where handles written in `interface` point.
    func scope(of interface: SyntaxNode<InterfaceSyntax>, in file: SyntaxNode<SourceFileSyntax>, unit: PackageUnit) -> HandleScope {
        HandleScope(interface: Self.qualifiedName(of: interface, in: unit), origins: usedResourceOrigins(of: interface, in: file, unit: unit))
    }

    /// The resources `interface` takes from others with `use` (by the name it knows them by), each as the interface
    /// that defines it sees it, followed through further `use`s: `error` in `wasi:io/streams` is `error` of
    /// `wasi:io/error`. Names that are not resources, or whose interface cannot be found, are left out.
    func usedResourceOrigins(
        of interface: SyntaxNode<InterfaceSyntax>, in file: SyntaxNode<SourceFileSyntax>, unit: PackageUnit, depth: Int = 0
    ) -> [String: WITResourceType] {
        guard depth < 32 else { return [:] }
        let qualifiedName = Self.qualifiedName(of: interface, in: unit)
        if let known = usedResources.origins[qualifiedName] { return known }
        var origins: [String: WITResourceType] = [:]
        defer { usedResources.origins[qualifiedName] = origins }
        for item in interface.items {
            guard case .use(let use) = item, let (origin, originFile, originUnit) = lookup(use.from, from: file, unit: unit) else { continue }
            let originName = Self.qualifiedName(of: origin, in: originUnit)
            let further = usedResourceOrigins(of: origin, in: originFile, unit: originUnit, depth: depth + 1)
            for used in use.names {
                let name = used.name.text
                if let found = further[name] {
                    origins[(used.asName ?? used.name).text] = found
                } else if Self.definesResource(name, origin) {
                    origins[(used.asName ?? used.name).text] = WITResourceType(name, interface: originName)
                }
            }
        }
        return origins
    }

    /// The interface a `use` path names, seen from `file` of `unit`.
    private func lookup(
        _ path: UsePathSyntax, from file: SyntaxNode<SourceFileSyntax>, unit: PackageUnit
    ) -> (SyntaxNode<InterfaceSyntax>, SyntaxNode<SourceFileSyntax>, PackageUnit)? {
        switch path {
        case .id(let name):
            guard let (interface, sourceFile) = try? context.lookupInterface(name: name.text, contextPackage: unit, sourceFile: file) else { return nil }
            return (interface, sourceFile, unit)
        case .package(let packageName, let name):
            guard let other = self.unit(named: packageName), let (interface, sourceFile) = try? context.lookupInterface(name: name.text, contextPackage: other) else { return nil }
            return (interface, sourceFile, other)
        }
    }

    private static func definesResource(_ name: String, _ interface: SyntaxNode<InterfaceSyntax>) -> Bool {
        interface.items.contains { item in
            guard case .typeDef(let typeDef) = item, case .resource = typeDef.body else { return false }
            return typeDef.name.text == name
        }
    }

    /// A resource's constructor, methods and static functions, as the component model names them:
    /// `[constructor]R` returning `own<R>`, `[method]R.m` taking `self: borrow<R>` first, `[static]R.f`.
    func convert(
        resource: ResourceSyntax, named name: String, scope: HandleScope, resolve: (TypeReprSyntax) throws -> WIT.WITType
    ) throws -> [WITFunction] {
        let type = WITResourceType(name, interface: scope.interface)
        var functions: [WITFunction] = []
        for member in Self.functions(of: resource) {
            switch member {
            case .constructor(let named):
                var function = try convert(function: named.function, named: "[constructor]\(name)", scope: scope, resolve: resolve)
                function.results = [.own(type)]
                functions.append(function)
            case .method(let named):
                var function = try convert(function: named.function, named: "[method]\(name).\(named.name.text)", scope: scope, resolve: resolve)
                function.parameters.insert(WITParameter("self", .borrow(type)), at: 0)
                functions.append(function)
            case .static(let named):
                functions.append(try convert(function: named.function, named: "[static]\(name).\(named.name.text)", scope: scope, resolve: resolve))
            }
        }
        return functions
    }

    /// The functions declared in a resource's body. WasmKit's WIT library parses them but does not make them public,
    /// so they are read by reflection (an empty list if a later WasmKit stores them differently).
    static func functions(of resource: ResourceSyntax) -> [ResourceFunctionSyntax] {
        Mirror(reflecting: resource).descendant("functions") as? [ResourceFunctionSyntax] ?? []
    }

    func convert(
        function: FunctionSyntax, named name: String, scope: HandleScope, resolve: (TypeReprSyntax) throws -> WIT.WITType
    ) throws -> WITFunction {
        let parameters = try function.parameters.map { WITParameter($0.name.text, try convert($0.type, scope: scope, resolve: resolve)) }
        let results = try function.results.types.map { try convert($0, scope: scope, resolve: resolve) }
        return WITFunction(name: name, parameters: parameters, results: results)
    }

    /// A type as written, resolved; handles keep the resource's name (the resolved type has none), also inside
    /// lists, options, tuples and results written in place.
    func convert(_ repr: TypeReprSyntax, scope: HandleScope, resolve: (TypeReprSyntax) throws -> WIT.WITType) throws -> WITType {
        switch repr {
        case .handle(.own(let resource)): return .own(scope.resource(resource.text))
        case .handle(.borrow(let resource)): return .borrow(scope.resource(resource.text))
        case .name(let identifier):
            if case .resource = try resolve(repr) { return .own(scope.resource(identifier.text)) }
            return convert(try resolve(repr), writtenAs: repr, scope: scope)
        case .list(let element): return .list(try convert(element, scope: scope, resolve: resolve))
        case .option(let wrapped): return .option(try convert(wrapped, scope: scope, resolve: resolve))
        case .tuple(let elements): return .tuple(try elements.map { try convert($0, scope: scope, resolve: resolve) })
        default: return convert(try resolve(repr), writtenAs: repr, scope: scope)
        }
    }

    /// A resolved type with its handles named from the syntax they were written as (WasmKit resolves a handle to
    /// its resource, which carries no name): in place (`result<file, string>`), and in the fields of records and
    /// the cases of variants, read from their definitions and named in the scope of the interface that defines
    /// them. A handle behind a type alias stays unsupported.
    func convert(_ type: WIT.WITType, writtenAs repr: TypeReprSyntax?, scope: HandleScope) -> WITType {
        func named(_ type: WIT.WITType, _ repr: TypeReprSyntax?) -> WITType { convert(type, writtenAs: repr, scope: scope) }
        switch (type, repr) {
        case (.resource, .name(let resource)?), (.handleOwn, .handle(.own(let resource))?):
            return .own(scope.resource(resource.text))
        case (.handleBorrow, .handle(.borrow(let resource))?):
            return .borrow(scope.resource(resource.text))
        case (.list(let element), .list(let written)?): return .list(named(element, written))
        case (.option(let wrapped), .option(let written)?): return .option(named(wrapped, written))
        case (.tuple(let elements), .tuple(let written)?) where elements.count == written.count:
            return .tuple(zip(elements, written).map { named($0, $1) })
        case (.result(let ok, let error), .result(let written)?):
            return .result(ok: ok.map { named($0, written.ok) }, error: error.map { named($0, written.error) })
        case (.record(let record), _):
            let owner = self.scope(definedBy: record.parent) ?? scope
            return .record(name: record.name, fields: record.fields.map { WITField($0.name, convert($0.type, writtenAs: $0.syntax.type, scope: owner)) })
        case (.variant(let variant), _):
            let owner = self.scope(definedBy: variant.parent) ?? scope
            return .variant(name: variant.name, cases: variant.cases.map { variantCase in
                WITCase(variantCase.name, variantCase.type.map { convert($0, writtenAs: variantCase.syntax.type, scope: owner) })
            })
        default:
            return Self.convert(type)
        }
    }

    static func convert(_ type: WIT.WITType) -> WITType {
        switch type {
        case .bool: return .bool
        case .u8: return .u8
        case .u16: return .u16
        case .u32: return .u32
        case .u64: return .u64
        case .s8: return .s8
        case .s16: return .s16
        case .s32: return .s32
        case .s64: return .s64
        case .float32: return .f32
        case .float64: return .f64
        case .char: return .char
        case .string: return .string
        case .list(let element): return .list(convert(element))
        case .tuple(let elements): return .tuple(elements.map(convert))
        case .option(let wrapped): return .option(convert(wrapped))
        case .result(let ok, let error): return .result(ok: ok.map(convert), error: error.map(convert))
        case .record(let record):
            return .record(name: record.name, fields: record.fields.map { WITField($0.name, convert($0.type)) })
        case .variant(let variant):
            return .variant(name: variant.name, cases: variant.cases.map { WITCase($0.name, $0.type.map(convert)) })
        case .enum(let enumType): return .enum(name: enumType.name, cases: enumType.cases.map(\.name))
        case .flags(let flags): return .flags(name: flags.name, flags: flags.flags.map(\.name))
        case .handleOwn: return .unsupported("own<resource>")
        case .handleBorrow: return .unsupported("borrow<resource>")
        case .resource: return .unsupported("resource")
        case .future: return .unsupported("future")
        case .stream: return .unsupported("stream")
        case .union(let union): return .unsupported("union \(union.name)")
        }
    }
}
