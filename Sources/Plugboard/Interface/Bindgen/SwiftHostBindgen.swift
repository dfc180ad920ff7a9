/// Generates Swift host bindings for a WIT world. (Placeholder: implementation in progress.)
public enum SwiftHostBindgen {
    /// The Swift source of the bindings for `world`.
    public static func generate(world: WITWorld) throws -> String {
        throw PlugboardError.invalidArgument("Swift host bindings are not implemented yet")
    }
}
