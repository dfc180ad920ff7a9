/// The WIT functions a binary says it imports and exports, keyed by the names its core functions have under the
/// canonical ABI: an import as `interface.function` (`$root.function` for a world's bare function), an export as
/// `interface#function` (or `function`).
///
/// Linking compares them with the host's WIT (see ``WITTypeDifference``), so a plugin built against a WIT whose
/// types differ from the host's is refused naming the interface, the function and the type, even when both types
/// flatten to the same core signature.
package struct DeclaredWITFunctions: Sendable, Hashable {
    package var imports: [String: WITFunction]
    package var exports: [String: WITFunction]
    /// The interfaces the binary imports, whether or not it calls a function of each (one that only defines
    /// types, like `wasi:io/error`, is still an import someone must provide).
    package var importedInterfaces: [String]

    package init(imports: [String: WITFunction] = [:], exports: [String: WITFunction] = [:], importedInterfaces: [String] = []) {
        self.imports = imports
        self.exports = exports
        self.importedInterfaces = importedInterfaces
    }
}
