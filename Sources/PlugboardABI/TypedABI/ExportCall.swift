/// One typed call of a guest export, as generated bindings make it: lower the arguments with ``lowering``, call
/// ``invoke(_:)`` once, lift the results with ``lifting`` (charged to the plugin's output budget). The guest's
/// post-return function runs after the bindings return.
public final class ExportCall {
    /// Where arguments are lowered (through the guest's `cabi_realloc`).
    public let lowering: CanonicalLowering
    /// Where results are lifted, under ``PluginLimits/maxOutputBytes``.
    public let lifting: CanonicalLifting
    private let function: any CoreFunction
    private(set) var raw: [CoreValue]?

    init(lowering: CanonicalLowering, lifting: CanonicalLifting, function: any CoreFunction) {
        self.lowering = lowering
        self.lifting = lifting
        self.function = function
    }

    /// Calls the export with its flat arguments (or the pointer to its spilled arguments); returns its flat results.
    /// - Throws: ``PlugboardError`` from the guest, or `invalidArgument` when called a second time.
    public func invoke(_ arguments: [CoreValue]) throws -> [CoreValue] {
        guard raw == nil else {
            throw PlugboardError.invalidArgument("an export call invokes the guest once; its post-return has not run yet")
        }
        let results = try function.call(arguments)
        raw = results
        return results
    }

    /// The address of the results the export returned through a pointer, checked to hold `size` bytes aligned to
    /// `alignment`.
    public func resultArea(_ results: [CoreValue], size: Int, alignment: Int) throws -> Int {
        guard results.count == 1, case .i32(let pointer) = results[0] else {
            throw PlugboardError.flatArityMismatch(expected: 1, got: results.count)
        }
        return try lifting.area(at: pointer, size: size, alignment: alignment, what: "the result area returned")
    }

    /// A flat result reader over `results` (one value at most), for `body`.
    public func withResults<R>(_ results: [CoreValue], _ body: (inout FlatReader) throws -> R) throws -> R {
        try results.withUnsafeBufferPointer { buffer in
            var reader = FlatReader(buffer)
            return try body(&reader)
        }
    }
}

/// One typed call of a host import by the guest, as generated host bindings serve it: read the flat arguments
/// from ``arguments`` (or the spilled ones through ``parameterArea(size:alignment:)``), lift strings and lists with
/// ``lifting`` (charged to the host-call budget), and lower results with ``lowering``, through
/// ``returnArea(size:alignment:)`` when they don't fit in one value.
public struct ImportCall {
    /// The guest's flat arguments, in order; the return pointer, if any, comes last.
    public var arguments: FlatReader
    /// Where arguments are lifted, under the plugin's host-call budget.
    public let lifting: CanonicalLifting
    /// Where results are lowered (through the guest's `cabi_realloc`).
    public let lowering: CanonicalLowering

    init(arguments: FlatReader, lifting: CanonicalLifting, lowering: CanonicalLowering) {
        self.arguments = arguments
        self.lifting = lifting
        self.lowering = lowering
    }

    /// The address of the spilled arguments (the only flat argument when they take more than 16 values).
    public mutating func parameterArea(size: Int, alignment: Int) throws -> Int {
        try lifting.area(at: try arguments.nextI32(), size: size, alignment: alignment, what: "the spilled arguments")
    }

    /// The address the guest gave for the results (its last flat argument), checked to hold `size` bytes.
    public mutating func returnArea(size: Int, alignment: Int) throws -> Int {
        try lifting.area(at: try arguments.nextI32(), size: size, alignment: alignment, what: "the return area")
    }
}

extension CanonicalCall {
    /// Calls `export` through typed bindings: `body` lowers, invokes and lifts; then the post-return runs.
    package static func callTyped<R>(
        _ export: Export, on instance: CanonicalInstance, maxOutputBytes: Int?, _ body: (ExportCall) throws -> R
    ) throws -> R {
        try withHandleScope(of: export, on: instance) { try callTypedUnscoped(export, on: instance, maxOutputBytes: maxOutputBytes, body) }
    }

    private static func callTypedUnscoped<R>(
        _ export: Export, on instance: CanonicalInstance, maxOutputBytes: Int?, _ body: (ExportCall) throws -> R
    ) throws -> R {
        try export.withOutputBudget(maxOutputBytes) { budget in
            let call = ExportCall(
                lowering: CanonicalLowering(CanonicalContext(instance: instance)),
                lifting: CanonicalLifting(CanonicalContext(instance: instance, budget: budget)),
                function: export.function)
            let result = try body(call)
            guard let raw = call.raw else {
                throw PlugboardError(.abiViolation, "typed bindings for '\(export.coreName)' returned without calling the guest", hint: "Regenerate the bindings")
            }
            try export.runPostReturn(raw, on: instance)
            return result
        }
    }

    /// The core function a guest imports for a host function served by typed bindings: checks that the guest may
    /// call an import now, then runs `implementation` with the arguments, a lifting budget of `maxArgumentBytes` and
    /// the lowering for results.
    package static func typedHostFunction(
        module: String, signature: CanonicalSignature, importName: String, binding: CanonicalBinding, maxArgumentBytes: Int,
        stopCheck: (() throws -> Void)?, implementation: @escaping (inout ImportCall) throws -> CoreValue?
    ) -> CoreHostFunction {
        // One budget per host function of an instance, emptied for each call (an instance runs one call at a time).
        let budget = LiftBudget(limit: maxArgumentBytes, purpose: .hostCall(importName), stopCheck: stopCheck)
        return CoreHostFunction(module: module, name: signature.function.name, signature: signature.importSignature) { arguments in
            let instance = try binding.require(importName)
            try instance.checkMayCallImport(importName)
            return try budget.reused { budget in
                var call = ImportCall(
                    arguments: FlatReader(arguments),
                    lifting: CanonicalLifting(CanonicalContext(instance: instance, budget: budget)),
                    lowering: CanonicalLowering(CanonicalContext(instance: instance)))
                return try implementation(&call)
            }
        }
    }
}
