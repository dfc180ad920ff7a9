/// Generates C guest bindings for a WIT world. (Placeholder: implementation in progress.)
public enum CGuestBindgen {
    /// The generated files: a header and a source file named after the world.
    public struct Output: Sendable {
        public var headerName: String
        public var header: String
        public var sourceName: String
        public var source: String
    }

    /// The C bindings for a plugin implementing `world`.
    public static func generate(world: WITWorld) throws -> Output {
        throw PlugboardError.invalidArgument("C guest bindings are not implemented yet")
    }
}
