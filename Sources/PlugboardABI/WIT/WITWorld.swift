/// A WIT package name such as `plugboard:plugin@1.0.0`.
public struct WITPackageName: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    /// The semantic version, if the package declares one.
    public var version: SemanticVersion?

    public init(namespace: String, name: String, version: SemanticVersion? = nil) {
        self.namespace = namespace
        self.name = name
        self.version = version
    }

    /// Parses `ns:name` or `ns:name@1.2.3`.
    public init?(parsing text: String) {
        let (base, versionText) = text.splitOnce("@")
        let (namespace, name) = base.splitOnce(":")
        guard let name, !namespace.isEmpty, !name.isEmpty else { return nil }
        self.namespace = namespace
        self.name = name
        if let versionText {
            guard let version = SemanticVersion(versionText) else { return nil }
            self.version = version
        }
    }

    public var description: String {
        version.map { "\(namespace):\(name)@\($0)" } ?? "\(namespace):\(name)"
    }
}

/// A semantic version (`major.minor.patch` with optional pre-release).
public struct SemanticVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    public var prerelease: String?

    public init(_ major: Int, _ minor: Int, _ patch: Int, prerelease: String? = nil) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
    }

    public init?(_ text: String) {
        let (core, prerelease) = text.split(separator: "+", maxSplits: 1).first.map(String.init).map { $0.splitOnce("-") } ?? ("", nil)
        let parts = core.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, let major = parts[0], let minor = parts[1], let patch = parts[2] else { return nil }
        self.init(major, minor, patch, prerelease: prerelease)
    }

    public var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.map { "-\($0)" } ?? "")
    }

    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }
}

/// A named parameter of a WIT function.
public struct WITParameter: Hashable, Sendable {
    public var name: String
    public var type: WITType

    public init(_ name: String, _ type: WITType) {
        self.name = name
        self.type = type
    }
}

/// A WIT function signature.
public struct WITFunction: Hashable, Sendable {
    public var name: String
    public var parameters: [WITParameter]
    /// Result types: empty for no result, one for `-> T`.
    public var results: [WITType]

    public init(name: String, parameters: [WITParameter], results: [WITType]) {
        self.name = name
        self.parameters = parameters
        self.results = results
    }

    /// The signature as WIT spells it: `func(key: string) -> option<string>`.
    public var signature: String {
        let params = parameters.map { "\($0.name): \($0.type)" }.joined(separator: ", ")
        switch results.count {
        case 0: return "func(\(params))"
        case 1: return "func(\(params)) -> \(results[0])"
        default: return "func(\(params)) -> (\(results.map(\.description).joined(separator: ", ")))"
        }
    }
}

/// A group of functions imported or exported together: a WIT interface, or a world's bare functions.
public struct WITInterface: Hashable, Sendable {
    /// The package the interface belongs to; `nil` for a world's bare functions.
    public var package: WITPackageName?
    /// The interface name; `nil` for a world's bare functions.
    public var name: String?
    public var functions: [WITFunction]

    public init(package: WITPackageName?, name: String?, functions: [WITFunction]) {
        self.package = package
        self.name = name
        self.functions = functions
    }

    /// An interface without functions named by its ``qualifiedName`` (`ns:pkg/iface@1.0.0`); `nil` when `name` is
    /// not one.
    public init?(qualifiedName name: String) {
        guard let slash = name.firstIndex(of: "/") else { return nil }
        let rest = name[name.index(after: slash)...]
        let interface = rest.prefix { $0 != "@" }
        let version = rest.dropFirst(interface.count)
        guard !interface.isEmpty, let package = WITPackageName(parsing: String(name[..<slash]) + version) else { return nil }
        self.init(package: package, name: String(interface), functions: [])
    }

    /// The name core modules use: `ns:pkg/iface@1.0.0` (import module, export prefix), or `$root`.
    public var qualifiedName: String {
        guard let name else { return "$root" }
        guard let package else { return name }
        let base = "\(package.namespace):\(package.name)/\(name)"
        return package.version.map { "\(base)@\($0)" } ?? base
    }

    /// The interface's name without its version, used to match versions: `ns:pkg/iface`.
    public var unversionedName: String {
        guard let name else { return "$root" }
        guard let package else { return name }
        return "\(package.namespace):\(package.name)/\(name)"
    }

    /// The function with the given WIT name.
    public func function(named name: String) -> WITFunction? {
        functions.first { $0.name == name }
    }

    /// The core export name of one of this interface's functions (`ns:pkg/iface@v#func`, or `func` for a world's own).
    public func coreExportName(of function: String) -> String {
        name == nil ? function : "\(qualifiedName)#\(function)"
    }
}

/// A WIT world: what a plugin imports from its host and exports to it.
public struct WITWorld: Hashable, Sendable {
    public var package: WITPackageName
    public var name: String
    public var imports: [WITInterface]
    public var exports: [WITInterface]

    public init(package: WITPackageName, name: String, imports: [WITInterface], exports: [WITInterface]) {
        self.package = package
        self.name = name
        self.imports = imports
        self.exports = exports
    }

    /// `ns:pkg/world@version`.
    public var qualifiedName: String {
        let base = "\(package.namespace):\(package.name)/\(name)"
        return package.version.map { "\(base)@\($0)" } ?? base
    }
}

extension String {
    /// Splits at the first occurrence of `separator`.
    package func splitOnce(_ separator: Character) -> (String, String?) {
        guard let index = firstIndex(of: separator) else { return (self, nil) }
        return (String(self[..<index]), String(self[self.index(after: index)...]))
    }
}

extension WITFunction {
    /// The core signature a module exports this function with (canonical ABI `canon lift`).
    public var coreExportSignature: CoreSignature { CanonicalLayout.exportSignature(self) }

    /// The core signature a module imports this function with (canonical ABI `canon lower`).
    public var coreImportSignature: CoreSignature { CanonicalLayout.importSignature(self) }

    /// The size and alignment of the memory area its results are returned through, when they do not fit in
    /// one core value; `nil` when they do.
    public var resultArea: (size: Int, alignment: Int)? {
        guard results.flatMap(CanonicalLayout.flatten).count > CanonicalLayout.maxFlatResults else { return nil }
        let tuple = WITType.tuple(results)
        return (CanonicalLayout.size(tuple), CanonicalLayout.alignment(tuple))
    }
}
