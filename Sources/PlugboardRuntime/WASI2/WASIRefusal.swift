import PlugboardABI

/// The answer of a WASI 0.2 function Plugboard does not serve (sockets, file descriptors, ...), worked out from the
/// WIT type the component declares for it, so every one a component imports can be linked without writing each by
/// hand: the error case of a `result` whose error type has a refusal (`access-denied`, `access`, `not-permitted`,
/// `unsupported`, `closed`), `none` for an `option`, nothing for a function without results, and a handle to an inert
/// resource for one returning a handle (`instance-network`: every function taking the handle refuses in turn). Any
/// other function fails the call with an error naming it.
enum WASIRefusal {
    /// What an inert resource's handle stands for: nothing the plugin can use.
    struct Inert: Sendable {}

    /// Error cases that mean "not allowed here", most specific first.
    static let refusals = ["access-denied", "access", "not-permitted", "unsupported", "closed"]

    static func answer(_ function: WITFunction, of interface: String) throws -> [WITValue] {
        guard let result = function.results.first else { return [] }
        switch result {
        case .result(_, let error?):
            if let refusal = refusal(error) { return [.err(refusal)] }
        case .option:
            return [.option(nil)]
        case .own(let resource):
            return [.resource(WITResource(resource, value: Inert()))]
        default:
            break
        }
        throw PlugboardError(
            .hostFunctionFailed, "the plugin called \(interface) function '\(function.name)', which Plugboard does not provide to plugins",
            hint: "Plugboard's WASI 0.2 serves cli, io, clocks, random and files beneath granted directories; sockets are refused")
    }

    /// The value of the first refusal case `type` has.
    private static func refusal(_ type: WITType) -> WITValue? {
        switch type {
        case .enum(_, let cases):
            return refusals.first(where: cases.contains).map(WITValue.enum)
        case .variant(_, let cases):
            return refusals.first { name in cases.contains { $0.name == name && $0.payload == nil } }.map { .variant(case: $0, payload: nil) }
        default:
            return nil
        }
    }
}
