import PlugboardABI
import PlugboardFuzzSupport

/// Fuzzes the canonical ABI's lifting against hostile guests: random WIT types, flat values, `cabi_realloc` answers
/// and memory (``LiftScenarios``). Every guest pointer must be checked by Plugboard's code (``FuzzMemory`` is the
/// engine and reports a range that was not), every error must be a ``PlugboardError`` of a code lifting documents,
/// and every value lifted must have its type's shape (``ValueConformance``).
@main enum PlugboardFuzzCanonicalLift {
    static func main() { FuzzDriver.main(fuzzCanonicalLift) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCanonicalLift(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // abiViolation for what the guest got wrong, the two budgets, and typeMismatch for a zero-sized list past 2^20
    // elements (valueTooLarge).
    FuzzExpectation.run(data, size, codes: [.abiViolation, .outputLimitExceeded, .hostCallLimitExceeded, .typeMismatch]) {
        try LiftScenarios.run($0)
    }
}
