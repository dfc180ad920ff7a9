import PlugboardABI

/// What a fuzz target accepts as the outcome of one input: the code under test returns, or throws a
/// ``PlugboardError`` with one of the codes its documentation promises. Anything else (another error type, another
/// code, a broken invariant) stops the process with a message, which libFuzzer reports as a crash and saves.
public enum FuzzExpectation {
    /// Runs `body` on a copy of the input's bytes. A ``PlugboardError`` whose code is in `codes` (any code when
    /// `nil`) is accepted, after its description is built as a host would log it.
    public static func run(
        _ data: UnsafePointer<UInt8>?, _ size: Int, codes: Set<PlugboardError.Code>? = nil, _ body: ([UInt8]) throws -> Void
    ) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try body(bytes)
        } catch let error as PlugboardError {
            let description = error.description
            if let codes, !codes.contains(error.code) {
                fatalError("a PlugboardError with undocumented code \(error.code): \(description)")
            }
        } catch {
            fatalError("an error that is not a PlugboardError: \(type(of: error)): \(error)")
        }
        return 0
    }

    /// Stops the process when an invariant does not hold.
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("invariant broken: \(message())") }
    }
}
