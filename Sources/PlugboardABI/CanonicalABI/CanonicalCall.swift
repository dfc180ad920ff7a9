/// The two directions of a WIT-typed call across the canonical ABI: the host calling a guest export (`canon lift`),
/// and a guest calling a host import (`canon lower`).
package enum CanonicalCall {
    /// An export as a call needs it, resolved once per instance: the function, its post-return, its signature.
    /// A class, not a struct: a call passes it around several times, and copying a struct of existentials costs a
    /// retain per field each time.
    package final class Export {
        package let signature: CanonicalSignature
        package let function: any CoreFunction
        package let postReturn: (any CoreFunction)?
        package let coreName: String
        private let postReturnName: String
        /// The budget the export's results are lifted under, emptied for each call (see ``LiftBudget/reused(_:)``).
        @exclusivity(unchecked) private var outputBudget: LiftBudget?

        package init(signature: CanonicalSignature, function: any CoreFunction, postReturn: (any CoreFunction)?, coreName: String) {
            self.signature = signature
            self.function = function
            self.postReturn = postReturn
            self.coreName = coreName
            self.postReturnName = "cabi_post_" + coreName
        }

        /// Runs `body` with a budget of `limit` bytes for the results (none for `nil`): the export's own, reused.
        func withOutputBudget<R>(_ limit: Int?, _ body: (LiftBudget?) throws -> R) rethrows -> R {
            guard let limit else { return try body(nil) }
            if outputBudget?.limit != limit { outputBudget = LiftBudget(limit: limit) }
            return try outputBudget!.reused(body)
        }

        /// Runs the post-return with imports forbidden.
        func runPostReturn(_ raw: [CoreValue], on instance: CanonicalInstance) throws {
            guard let postReturn else { return }
            _ = try instance.withImportsForbidden(during: postReturnName) { try postReturn.call(raw) }
        }
    }

    /// Calls `export`: lowers the arguments (into memory past 16 flat values), calls, lifts the results (through the
    /// returned pointer when they don't fit in one value), then runs the guest's `cabi_post_…` if it has one.
    /// Lifted strings and lists together may take at most `maxOutputBytes`, checked before anything is copied out
    /// of guest memory.
    package static func callExport(
        _ export: Export, arguments: [WITValue], on instance: CanonicalInstance, maxOutputBytes: Int? = nil
    ) throws -> [WITValue] {
        try withHandleScope(of: export, on: instance) { try callExportUnscoped(export, arguments: arguments, on: instance, maxOutputBytes: maxOutputBytes) }
    }

    /// Runs a call into `export` with the instance's resource bookkeeping around it: the destructors of the guest's
    /// resources the host destroyed since its last call run first, and every handle lent for the call must be
    /// dropped by its end (those left are removed, and the call fails).
    static func withHandleScope<R>(of export: Export, on instance: CanonicalInstance, _ body: () throws -> R) throws -> R {
        try instance.handles.runPendingDestructors()
        let value: R
        do {
            value = try body()
        } catch {
            instance.handles.releaseLentBorrows()
            throw error
        }
        let left = instance.handles.releaseLentBorrows()
        guard left == 0 else { throw PlugboardError.borrowsNotDropped(left, function: export.coreName) }
        return value
    }

    private static func callExportUnscoped(
        _ export: Export, arguments: [WITValue], on instance: CanonicalInstance, maxOutputBytes: Int?
    ) throws -> [WITValue] {
        let signature = export.signature
        guard arguments.count == signature.parameterTypes.count else {
            throw PlugboardError.argumentCountMismatch(function: signature.function, got: arguments.count)
        }
        let lowering = CanonicalContext(instance: instance)
        var flatArguments: [CoreValue] = []
        if signature.spillsParameters {
            let pointer = try lowering.allocate(size: signature.parameterSize, alignment: signature.parameterAlignment, for: "the spilled arguments")
            try lowering.store(.tuple(arguments), as: signature.parameterTuple, at: Int(pointer))
            flatArguments = [.i32(pointer)]
        } else {
            flatArguments.reserveCapacity(signature.exportSignature.parameters.count)
            for (argument, type) in zip(arguments, signature.parameterTypes) {
                try lowering.lowerFlat(argument, as: type, into: &flatArguments)
            }
        }

        let raw = try export.function.call(flatArguments)
        let lifting = CanonicalContext(instance: instance, budget: maxOutputBytes.map { LiftBudget(limit: $0) })
        let results: [WITValue]
        if signature.returnsThroughPointer {
            guard raw.count == 1, case .i32(let pointer) = raw[0] else {
                throw PlugboardError.flatArityMismatch(expected: 1, got: raw.count)
            }
            results = try loadTuple(signature, at: pointer, context: lifting, what: "the result area returned")
        } else {
            results = try raw.withUnsafeBufferPointer { buffer in
                var reader = FlatReader(buffer)
                return try signature.function.results.map { try lifting.liftFlat($0, from: &reader) }
            }
        }
        try export.runPostReturn(raw, on: instance)
        return results
    }

    /// Adapts a Swift implementation of an imported WIT function into the core function the guest imports: checks
    /// that the guest may call an import now, lifts its arguments (from memory past 16 flat values) under a budget
    /// of `maxArgumentBytes`, runs `implementation`, and lowers its results (through the guest's return pointer
    /// when they don't fit in one value).
    ///
    /// - Parameters:
    ///   - binding: Where the instance is found once it exists (the function is made before instantiation).
    ///   - importName: `module.name`, for errors.
    ///   - stopCheck: Throws when the call was stopped; run between large copies while lifting.
    package static func hostFunction(
        module: String, signature: CanonicalSignature, importName: String, binding: CanonicalBinding, maxArgumentBytes: Int,
        stopCheck: (() throws -> Void)? = nil, implementation: @escaping ([WITValue]) throws -> [WITValue]
    ) -> CoreHostFunction {
        let function = signature.function
        // One budget per host function of an instance, emptied for each call (an instance runs one call at a time).
        let budget = LiftBudget(limit: maxArgumentBytes, purpose: .hostCall(importName), stopCheck: stopCheck)
        return CoreHostFunction(module: module, name: function.name, signature: signature.importSignature) { arguments in
            let instance = try binding.require(importName)
            try instance.checkMayCallImport(importName)
            var reader = FlatReader(arguments)
            let values: [WITValue] = try budget.reused { budget in
                let lifting = CanonicalContext(instance: instance, budget: budget)
                do {
                    if signature.spillsParameters {
                        return try loadParameters(signature, at: try reader.nextI32(), context: lifting)
                    }
                    return try signature.parameterTypes.map { try lifting.liftFlat($0, from: &reader) }
                } catch var error as PlugboardError where error.code == .abiViolation {
                    error.message += " (in its arguments to '\(importName)')"
                    throw error
                }
            }
            let results = try implementation(values)
            guard results.count == function.results.count else {
                throw PlugboardError.resultCountMismatch(function: function, got: results.count)
            }
            return try lowerResults(results, signature: signature, returnPointer: signature.returnsThroughPointer ? try reader.nextI32() : nil, on: instance)
        }
    }

    /// Lowers a host function's results: into the guest's return area at `returnPointer` (checked) when they go
    /// through one, else as the one flat value returned.
    private static func lowerResults(
        _ results: [WITValue], signature: CanonicalSignature, returnPointer: UInt32?, on instance: CanonicalInstance
    ) throws -> CoreValue? {
        let lowering = CanonicalContext(instance: instance)
        if let pointer = returnPointer {
            let memory = try lowering.requireMemory()
            try memory.checkAlignment(pointer, signature.resultAlignment, "the return pointer")
            try memory.checkRange(pointer, count: signature.resultSize, "the return area")
            try lowering.store(.tuple(results), as: signature.resultTuple, at: Int(pointer))
            return nil
        }
        var out: [CoreValue] = []
        for (result, type) in zip(results, signature.function.results) {
            try lowering.lowerFlat(result, as: type, into: &out)
        }
        return out.first
    }

    /// A core function for an import that answers `results` without reading any argument (only the return pointer,
    /// when the results go through one): for a plugin that lacks the capability the import needs.
    package static func hostFunction(
        module: String, signature: CanonicalSignature, importName: String, binding: CanonicalBinding, answering results: [WITValue]
    ) -> CoreHostFunction {
        let function = signature.function
        let flatParameterCount = signature.importSignature.parameters.count
        return CoreHostFunction(module: module, name: function.name, signature: signature.importSignature) { arguments in
            let instance = try binding.require(importName)
            try instance.checkMayCallImport(importName)
            var returnPointer: UInt32?
            if signature.returnsThroughPointer {
                guard flatParameterCount > 0, case .i32(let pointer) = arguments[flatParameterCount - 1] else {
                    throw PlugboardError.flatArityMismatch(expected: flatParameterCount, got: arguments.count)
                }
                returnPointer = pointer
            }
            return try lowerResults(results, signature: signature, returnPointer: returnPointer, on: instance)
        }
    }

    private static func loadTuple(_ signature: CanonicalSignature, at pointer: UInt32, context: CanonicalContext, what: String) throws -> [WITValue] {
        let memory = try context.requireMemory()
        try memory.checkAlignment(pointer, signature.resultAlignment, what)
        try memory.checkRange(pointer, count: signature.resultSize, what)
        guard case .tuple(let values) = try context.load(signature.resultTuple, at: Int(pointer)) else { preconditionFailure("tuple loads as tuple") }
        return values
    }

    private static func loadParameters(_ signature: CanonicalSignature, at pointer: UInt32, context: CanonicalContext) throws -> [WITValue] {
        let memory = try context.requireMemory()
        let what = "the spilled arguments"
        try memory.checkAlignment(pointer, signature.parameterAlignment, what)
        try memory.checkRange(pointer, count: signature.parameterSize, what)
        guard case .tuple(let values) = try context.load(signature.parameterTuple, at: Int(pointer)) else { preconditionFailure("tuple loads as tuple") }
        return values
    }
}
