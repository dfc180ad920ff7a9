/// A WIT `result<ok, error>` in generated Swift bindings.
///
/// Swift's `Result` needs an `Error` as its failure type, but a WIT error payload is any type (often a
/// `string`) or none at all. A missing payload (`result<_, string>`, bare `result`) is `Void`.
public enum WITResult<Ok, Err> {
    case ok(Ok)
    case err(Err)

    /// The `ok` payload, or `nil` for `err`.
    public var okValue: Ok? {
        if case .ok(let value) = self { return value }
        return nil
    }

    /// The `err` payload, or `nil` for `ok`.
    public var errValue: Err? {
        if case .err(let value) = self { return value }
        return nil
    }

    /// Whether this is `ok`.
    public var isOK: Bool {
        if case .ok = self { return true }
        return false
    }

    /// The dynamic value, with each payload lowered by the given function (`nil` for an absent payload).
    public func witValue(ok: (Ok) -> WITValue?, err: (Err) -> WITValue?) -> WITValue {
        switch self {
        case .ok(let value): .ok(ok(value))
        case .err(let value): .err(err(value))
        }
    }
}

extension WITResult: Sendable where Ok: Sendable, Err: Sendable {}
extension WITResult: Equatable where Ok: Equatable, Err: Equatable {}
extension WITResult: Hashable where Ok: Hashable, Err: Hashable {}

extension WITResult where Ok == Void {
    /// `ok` without a payload.
    public static var ok: WITResult { .ok(()) }
}

extension WITResult where Err == Void {
    /// `err` without a payload.
    public static var err: WITResult { .err(()) }
}
