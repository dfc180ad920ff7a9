/// Messages for input over one of the host's bounds: modules too complex to load safely, host-call arguments over
/// their budget, guests re-entering the host where the canonical ABI forbids it, callers over a pool's queue.
extension PlugboardError {
    /// A module declares more than a ``ModuleLimits`` bound allows; refused before any engine parses it.
    package static func moduleTooLarge(_ what: String, limit: String) -> PlugboardError {
        PlugboardError(
            .invalidModule, "the module is refused before parsing: \(what), over the host's limit \(limit)",
            hint: "No compiler emits this; rebuild the plugin from its sources, or check where the file came from")
    }

    /// WebAssembly text nests parentheses deeper than the assembler handles safely.
    package static func textTooDeep(depth: Int, limit: Int, line: Int) -> PlugboardError {
        PlugboardError(
            .invalidModule, "the WebAssembly text nests parentheses more than \(limit) deep (\(depth) at line \(line))",
            hint: "Write deep blocks in the flat form (`block … end`) or assemble the file with `wasm-tools parse` and load the .wasm")
    }

    /// Host↔guest calls nested deeper than the engine allows (the canonical ABI needs two levels).
    package static func nestingTooDeep(limit: Int) -> PlugboardError {
        PlugboardError(
            .trap, "the plugin trapped: calls between the host and the plugin nested more than \(limit) deep",
            hint: "This is a bug in the plugin (a cabi_realloc or post-return that calls back into the host)")
    }

    /// The guest called a host import while the host was inside its `cabi_realloc` or `cabi_post_*`: the component
    /// model forbids it (`may_leave`), and allowing it lets the guest recurse through the host without bound.
    package static func reentered(_ importName: String, during what: String) -> PlugboardError {
        PlugboardError(
            .abiViolation,
            "the plugin called host function '\(importName)' from inside \(what), while the host was lowering a value; "
                + "the canonical ABI forbids calling imports there",
            hint: "This is a bug in the plugin: cabi_realloc and cabi_post_* must not call imports")
    }

    /// The lifted arguments of one host call went over the plugin's host-call budget.
    package static func hostCallLimitExceeded(_ importName: String, what: String, used: Int, limit: Int) -> PlugboardError {
        PlugboardError(
            .hostCallLimitExceeded,
            "host-call limit exceeded: the plugin passed \(what) to '\(importName)' after \(byteText(used)) of other arguments, over its "
                + "limit of \(byteText(limit)) per call (every string's bytes and every list element count, each time they are passed); "
                + "nothing more was copied out of guest memory",
            hint: raiseHint("maxHostCallBytes", manifestKey: "max-host-call-mb", flag: nil) + " if the plugin legitimately passes this much")
    }

    /// The module's tables together ask for more elements than the quota at instantiation.
    package static func initialTablesOverLimit(requestedElements: Int, limitElements: Int) -> PlugboardError {
        PlugboardError(
            .memoryLimitExceeded,
            "resource limit exceeded: table: the module's tables start with \(requestedElements) elements but its quota is \(limitElements) "
                + "(8 bytes of host memory each)",
            hint: raiseHint("maxTableElements", manifestKey: "max-table-elements", flag: nil))
    }

    /// A `table.grow` was denied (the guest saw -1) and the call then failed.
    package static func tableGrowthOverLimit(requestedElements: Int, limitElements: Int, after underlying: PlugboardError) -> PlugboardError {
        PlugboardError(
            .memoryLimitExceeded,
            "resource limit exceeded: table: the plugin asked to grow its tables to \(requestedElements) elements but its quota is "
                + "\(limitElements); table.grow returned -1 and the call then failed (\(underlying.message))",
            hint: raiseHint("maxTableElements", manifestKey: "max-table-elements", flag: nil), backtrace: underlying.backtrace)
    }

    /// A call waited too long for an instance of the plugin, or found its queue full.
    package static func overloaded(_ plugin: String, reason: String, retryAfter: Duration) -> PlugboardError {
        var error = PlugboardError(
            .overloaded, "overloaded: \(reason); the call was not run",
            hint: "Retry after \(millisecondText(retryAfter)), or raise the plugin's pool (`size`, `max-queue`, `max-wait-ms` under [pool] in plugin.toml)",
            plugin: plugin)
        error.retryAfter = retryAfter
        return error
    }
}

extension PlugboardError {
    /// The plugin called a host function its capabilities do not include.
    package static func capabilityMissing(_ importName: String, capability: String) -> PlugboardError {
        PlugboardError(
            .hostFunctionFailed,
            "the plugin called '\(importName)', which needs the \(capability) capability it was not granted; nothing was read or sent",
            hint: "Grant it (`\(capability) = [...]` under [capabilities] in plugin.toml, `--allow-net` for `plugboard run`, or CapabilityManager) "
                + "and restart the plugin's instances")
    }
}
