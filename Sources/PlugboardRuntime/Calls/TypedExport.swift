import PlugboardABI

/// An export as typed bindings call it: the WIT function (with its types, which the bindings' code was generated
/// for) and the interface exporting it. Bindings keep one per export, so a plugin resolves it once.
public final class TypedExport: Sendable {
    /// The exporting interface's unversioned qualified name, or `nil` for a world-level function.
    public let interface: String?
    /// The function, with the types the bindings lower and lift.
    public let function: WITFunction

    /// The `index`-th function of `interface`, an export of the world the bindings were generated from.
    public init(_ interface: WITInterface, function index: Int) {
        self.interface = interface.name == nil ? nil : interface.unversionedName
        self.function = interface.functions[index]
    }
}
