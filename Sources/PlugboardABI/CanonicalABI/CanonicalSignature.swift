/// How one WIT function's values cross the canonical ABI: worked out once per function, not per call.
package struct CanonicalSignature: Sendable, Hashable {
    package let function: WITFunction
    package let parameterTypes: [WITType]
    /// More than 16 flat parameters: they are passed in memory, by one pointer.
    package let spillsParameters: Bool
    package let parameterTuple: WITType
    package let parameterSize: Int
    package let parameterAlignment: Int
    /// More than one flat result: it is passed back in memory (the callee's pointer for an export, the caller's for
    /// an import).
    package let returnsThroughPointer: Bool
    package let resultTuple: WITType
    package let resultSize: Int
    package let resultAlignment: Int
    /// The core signature of the export, and of the import.
    package let exportSignature: CoreSignature
    package let importSignature: CoreSignature

    package init(_ function: WITFunction) {
        self.function = function
        parameterTypes = function.parameters.map(\.type)
        spillsParameters = parameterTypes.reduce(0) { $0 + CanonicalLayout.flatCount($1) } > CanonicalLayout.maxFlatParams
        parameterTuple = .tuple(parameterTypes)
        parameterSize = CanonicalLayout.size(parameterTuple)
        parameterAlignment = CanonicalLayout.alignment(parameterTuple)
        returnsThroughPointer = function.results.reduce(0) { $0 + CanonicalLayout.flatCount($1) } > CanonicalLayout.maxFlatResults
        resultTuple = .tuple(function.results)
        resultSize = CanonicalLayout.size(resultTuple)
        resultAlignment = CanonicalLayout.alignment(resultTuple)
        exportSignature = CanonicalLayout.exportSignature(function)
        importSignature = CanonicalLayout.importSignature(function)
    }
}
