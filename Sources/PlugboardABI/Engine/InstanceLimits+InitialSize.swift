extension InstanceLimits {
    /// Checks, before an engine allocates anything, that a module's initial memories (with `memoryBytesInUse` by earlier
    /// instances of the same store) and its own tables fit the quota.
    /// - Throws: `memory-limit-exceeded` naming what was asked for and the quota.
    package func checkInitialSize(of description: ModuleDescription, memoryBytesInUse: Int) throws(PlugboardError) {
        var memoryBytes = memoryBytesInUse
        for memory in description.definedMemories {
            let (bytes, overflow) = memory.minimumPages.multipliedReportingOverflow(by: 65536)
            let (sum, sumOverflow) = memoryBytes.addingReportingOverflow(Int(clamping: bytes))
            if overflow || sumOverflow || sum > maxMemoryBytes {
                throw PlugboardError.initialMemoryOverLimit(requestedBytes: overflow || sumOverflow ? Int.max : sum, limitBytes: maxMemoryBytes)
            }
            memoryBytes = sum
        }
        let initialTableElements = description.tables.filter { !$0.isImported }.reduce(0) { $0 &+ Int(clamping: $1.minimumElements) }
        if initialTableElements > maxTableElements {
            throw PlugboardError.initialTablesOverLimit(requestedElements: initialTableElements, limitElements: maxTableElements)
        }
    }
}
