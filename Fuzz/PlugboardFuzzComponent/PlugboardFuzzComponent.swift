import PlugboardABI
import PlugboardComponents
import PlugboardFuzzSupport

/// Fuzzes what a component plugin's bytes reach before any engine runs them: ``ComponentParser/parse(_:limits:)``
/// and, when the bytes parse, ``ComponentPlanner/plan(_:)`` (which also reads each instantiated core module with
/// ``ModuleDescription``). Both document `invalidModule` as their only error; a plan must hold the invariants
/// instantiating it relies on (``PlanInvariants``).
@main enum PlugboardFuzzComponent {
    static func main() { FuzzDriver.main(fuzzComponent) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzComponent(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzExpectation.run(data, size, codes: [.invalidModule]) { bytes in
        let parsed = try ComponentParser.parse(bytes)
        PlanInvariants.check(try ComponentPlanner.plan(parsed))
    }
}
