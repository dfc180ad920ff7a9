import PlugboardABI
import PlugboardFuzzSupport

/// The ways guest-chosen values reach the canonical ABI's lifting, each as the host meets them: an export's results
/// (dynamic calls, ``CanonicalCall/callExport(_:arguments:on:maxOutputBytes:)``), a host import's arguments
/// (``CanonicalCall/hostFunction(module:signature:importName:binding:maxArgumentBytes:stopCheck:implementation:)``,
/// echoing the first argument back through the guest's `cabi_realloc`), a value loaded from memory, and the typed
/// lifting generated bindings call (``CanonicalLifting``). Each decodes its types, flat values and `cabi_realloc`
/// answers from the input; the rest of the input is guest memory.
enum LiftScenarios {
    /// The budget a plugin gets by default: `PluginLimits.maxOutputBytes` (16 MiB), which `maxHostCallBytes`
    /// defaults to.
    static let budget = 16 << 20

    static func run(_ bytes: [UInt8]) throws {
        var input = FuzzInput(bytes)
        switch input.choose(4) {
        case 0: try exportResults(&input)
        case 1: try hostArguments(&input)
        case 2: try load(&input)
        default: try typedLifting(&input)
        }
    }

    /// Guest memory: the rest of the input followed by 0, 64, 4096 or 65536 zero bytes (`tail` decoded first).
    static func memory(_ input: inout FuzzInput, tail: Int) -> FuzzMemory {
        FuzzMemory(input.rest() + [UInt8](repeating: 0, count: [0, 64, 4096, 65536][tail]))
    }

    static func exportResults(_ input: inout FuzzInput) throws {
        let tail = input.choose(4)
        let results = (0..<input.choose(3)).map { _ in FuzzTypes.type(&input) }
        let signature = CanonicalSignature(WITFunction(name: "f", parameters: [], results: results))
        let raw = FuzzCoreValues.values(signature.exportSignature.results, &input)
        let core = ScriptedFunction(signature: signature.exportSignature, answers: [raw])
        let postReturn = ScriptedFunction(signature: CoreSignature(parameters: signature.exportSignature.results, results: []), answers: [])
        let instance = CanonicalInstance(memory: memory(&input, tail: tail), realloc: nil)
        let values = try CanonicalCall.callExport(
            CanonicalCall.Export(signature: signature, function: core, postReturn: postReturn, coreName: "f"),
            arguments: [], on: instance, maxOutputBytes: budget)
        FuzzExpectation.require(
            values.count == results.count && zip(values, results).allSatisfy(ValueConformance.conforms),
            "results \(values) lifted as \(results)")
        FuzzExpectation.require(postReturn.calls == [raw], "post-return called with \(postReturn.calls), not once with \(raw)")
    }

    static func hostArguments(_ input: inout FuzzInput) throws {
        let tail = input.choose(4)
        let shape = input.choose(8)
        // Past 16 flat values the arguments are spilled to memory: 16 u32s and one more parameter always are.
        let parameters = shape < 5 ? (0..<shape).map { _ in FuzzTypes.type(&input) } : [WITType](repeating: .u32, count: 16) + [FuzzTypes.type(&input)]
        let echoes = !parameters.isEmpty && input.choose(2) == 1
        let function = WITFunction(
            name: "g", parameters: parameters.enumerated().map { WITParameter("p\($0.offset)", $0.element) }, results: echoes ? [parameters[0]] : [])
        let signature = CanonicalSignature(function)
        let arguments = FuzzCoreValues.values(signature.importSignature.parameters, &input)
        let allocations = (0...input.choose(4)).map { _ in [CoreValue.i32(FuzzCoreValues.i32(&input))] }
        let realloc = ScriptedFunction(signature: CoreSignature(parameters: [.i32, .i32, .i32, .i32], results: [.i32]), answers: allocations)
        let instance = CanonicalInstance(memory: memory(&input, tail: tail), realloc: realloc)
        let binding = CanonicalBinding()
        binding.instance = instance
        var lifted: [WITValue]?
        let host = CanonicalCall.hostFunction(
            module: "fuzz", signature: signature, importName: "fuzz#g", binding: binding, maxArgumentBytes: budget
        ) { values in
            lifted = values
            return echoes ? [values[0]] : []
        }
        let result = try withExtendedLifetime(instance) { try arguments.withUnsafeBufferPointer { try host.body($0) } }
        FuzzExpectation.require(
            lifted.map { $0.count == parameters.count && zip($0, parameters).allSatisfy(ValueConformance.conforms) } == true,
            "arguments \(lifted.map(\.description) ?? "none") lifted as \(parameters)")
        FuzzExpectation.require(result?.type == signature.importSignature.results.first, "result \(String(describing: result)) for \(signature.importSignature)")
    }

    static func load(_ input: inout FuzzInput) throws {
        let tail = input.choose(4)
        let type = FuzzTypes.type(&input)
        let pointer = FuzzCoreValues.i32(&input)
        let instance = CanonicalInstance(memory: memory(&input, tail: tail), realloc: nil)
        let value = try CanonicalContext(instance: instance, budget: LiftBudget(limit: budget)).load(type, at: Int(pointer))
        FuzzExpectation.require(ValueConformance.conforms(value, to: type), "\(value) loaded as \(type)")
    }

    static func typedLifting(_ input: inout FuzzInput) throws {
        let tail = input.choose(4)
        let operations = (0...input.choose(8)).map { _ in
            (input.choose(7), FuzzCoreValues.i32(&input), FuzzCoreValues.i32(&input), input.byte())
        }
        let instance = CanonicalInstance(memory: memory(&input, tail: tail), realloc: nil)
        let lifting = CanonicalLifting(CanonicalContext(instance: instance, budget: LiftBudget(limit: budget)))
        for (operation, a, b, c) in operations {
            switch operation {
            case 0: _ = try lifting.string(pointer: a, length: b)
            case 1: _ = try lifting.loadString(at: Int(a))
            case 2:
                let bytes = try lifting.bytes(pointer: a, count: b)
                FuzzExpectation.require(bytes.count == Int(b), "\(bytes.count) bytes for a list<u8> of \(b)")
            case 3:
                let elementSize = Int(c % 33)
                let elements = try lifting.list(pointer: a, count: b, elementSize: elementSize, alignment: 1 << Int(c >> 6), type: "list<fuzz>") {
                    elementSize >= 4 ? try lifting.load(UInt32.self, at: $0) : UInt32(try lifting.load(UInt8.self, at: $0))
                }
                FuzzExpectation.require(elements.count == Int(b), "\(elements.count) elements for a list of \(b)")
            case 4:
                let caseCount = Int(b % 70_000)
                let discriminant = try lifting.loadDiscriminant(size: [1, 2, 4][Int(c % 3)], at: Int(a), caseCount: caseCount, type: "fuzz")
                FuzzExpectation.require(discriminant >= 0 && discriminant < caseCount, "discriminant \(discriminant) of \(caseCount) cases")
            case 5:
                let address = try lifting.area(at: a, size: Int(b & 0xFFFF), alignment: 1 << Int(c % 4), what: "a fuzz area")
                FuzzExpectation.require(address == Int(a), "area at \(address) for pointer \(a)")
            default:
                _ = try CanonicalLifting.char(a)
            }
        }
    }
}
