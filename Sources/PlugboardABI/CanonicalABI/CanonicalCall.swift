/// The two directions of a WIT-typed call across the canonical ABI:
/// the host calling a guest export (`canon lift`), and a guest calling a host import (`canon lower`).
package enum CanonicalCall {
    /// Calls `function`, exported by the guest as `exportName`: lowers the arguments (spilling to memory past
    /// 16 flat values), calls, lifts the results (through the returned pointer when they don't fit in one
    /// value), then runs `cabi_post_<exportName>` if the guest exports it. Lifted strings and lists together may
    /// take at most `maxOutputBytes`, checked before anything is copied out of guest memory.
    package static func callExport(
        _ function: WITFunction, exportName: String, arguments: [WITValue], on instance: any CoreInstance, maxOutputBytes: Int? = nil
    ) throws -> [WITValue] {
        guard arguments.count == function.parameters.count else {
            throw PlugboardError.argumentCountMismatch(function: function, got: arguments.count)
        }
        var context = instance.canonicalContext
        let parameterTypes = function.parameters.map(\.type)
        var flatArguments: [CoreValue] = []
        if parameterTypes.reduce(0, { $0 + CanonicalLayout.flatCount($1) }) > CanonicalLayout.maxFlatParams {
            let tuple = WITType.tuple(parameterTypes)
            let pointer = try context.allocate(
                size: CanonicalLayout.size(tuple), alignment: CanonicalLayout.alignment(tuple), for: "the spilled arguments")
            try context.store(.tuple(arguments), as: tuple, at: Int(pointer))
            flatArguments = [.i32(pointer)]
        } else {
            for (argument, type) in zip(arguments, parameterTypes) {
                try context.lowerFlat(argument, as: type, into: &flatArguments)
            }
        }

        let raw = try instance.call(exportName, flatArguments)
        context.outputBudget = maxOutputBytes.map(OutputBudget.init)

        let results: [WITValue]
        if function.results.reduce(0, { $0 + CanonicalLayout.flatCount($1) }) > CanonicalLayout.maxFlatResults {
            guard raw.count == 1, case .i32(let pointer) = raw[0] else {
                throw PlugboardError.flatArityMismatch(expected: 1, got: raw.count)
            }
            results = try loadTuple(function.results, at: pointer, context: context, what: "the result area returned")
        } else {
            var reader = FlatReader(raw)
            results = try function.results.map { try context.liftFlat($0, from: &reader) }
        }
        let postReturn = "cabi_post_" + exportName
        if instance.exportsFunction(postReturn) {
            _ = try instance.call(postReturn, raw)
        }
        return results
    }

    /// Adapts a Swift implementation of `function` into the core function a guest imports: lifts the guest's
    /// arguments (from memory past 16 flat values), runs `implementation`, and lowers its results (through the
    /// guest's return pointer when they don't fit in one value).
    package static func hostFunction(
        module: String, function: WITFunction,
        implementation: @escaping ([WITValue]) throws -> [WITValue]
    ) -> CoreHostFunction {
        let signature = CanonicalLayout.importSignature(function)
        let parameterTypes = function.parameters.map(\.type)
        let spillsParameters = parameterTypes.flatMap(CanonicalLayout.flatten).count > CanonicalLayout.maxFlatParams
        let returnsThroughPointer = function.results.flatMap(CanonicalLayout.flatten).count > CanonicalLayout.maxFlatResults
        let resultTuple = WITType.tuple(function.results)
        let (resultSize, resultAlignment) = (CanonicalLayout.size(resultTuple), CanonicalLayout.alignment(resultTuple))
        return CoreHostFunction(module: module, name: function.name, signature: signature) { caller, arguments in
            let context = caller.canonicalContext
            var reader = FlatReader(arguments)
            let values: [WITValue]
            if spillsParameters {
                values = try loadTuple(parameterTypes, at: try reader.nextI32(), context: context, what: "the spilled arguments")
            } else {
                values = try parameterTypes.map { try context.liftFlat($0, from: &reader) }
            }
            let results = try implementation(values)
            guard results.count == function.results.count else {
                throw PlugboardError.resultCountMismatch(function: function, got: results.count)
            }
            if returnsThroughPointer {
                let pointer = try reader.nextI32()
                let memory = try context.requireMemory()
                try memory.checkAlignment(pointer, resultAlignment, "the return pointer")
                try memory.checkRange(pointer, count: resultSize, "the return area")
                try context.store(.tuple(results), as: resultTuple, at: Int(pointer))
                return []
            }
            var out: [CoreValue] = []
            for (result, type) in zip(results, function.results) {
                try context.lowerFlat(result, as: type, into: &out)
            }
            return out
        }
    }

    private static func loadTuple(_ types: [WITType], at pointer: UInt32, context: CanonicalContext, what: String) throws -> [WITValue] {
        let tuple = WITType.tuple(types)
        let memory = try context.requireMemory()
        try memory.checkAlignment(pointer, CanonicalLayout.alignment(tuple), what)
        try memory.checkRange(pointer, count: CanonicalLayout.size(tuple), what)
        guard case .tuple(let values) = try context.load(tuple, at: Int(pointer)) else { preconditionFailure("tuple loads as tuple") }
        return values
    }
}

extension CoreCaller {
    /// The canonical-ABI context of this instance: its exported `memory` and `cabi_realloc`.
    package var canonicalContext: CanonicalContext {
        CanonicalContext(
            memory: memory.map(GuestMemory.init),
            realloc: exportsFunction("cabi_realloc")
                ? { oldPointer, oldSize, alignment, newSize in
                    let result = try self.call("cabi_realloc", [.i32(oldPointer), .i32(oldSize), .i32(alignment), .i32(newSize)])
                    guard result.count == 1, case .i32(let pointer) = result[0] else {
                        throw PlugboardError.flatArityMismatch(expected: 1, got: result.count)
                    }
                    return pointer
                }
                : nil)
    }
}
