/// Every message Plugboard's errors carry, in one place: what happened, then what to do.
extension PlugboardError {
    // MARK: WIT

    package static func witNotFound(path: String) -> PlugboardError {
        PlugboardError(.fileNotFound, "no WIT file or directory at '\(path)'", hint: "Pass a .wit file or a directory of .wit files")
    }

    package static func witInvalid(source: String, detail: String) -> PlugboardError {
        PlugboardError(.invalidWIT, "the WIT in '\(source)' is invalid: \(detail)", hint: "Fix the WIT source; `wasm-tools component wit` shows how other tools read it")
    }

    package static func witWorldNotFound(_ name: String?, package: String, available: [String]) -> PlugboardError {
        let list = available.isEmpty ? "none" : available.joined(separator: ", ")
        if let name {
            return PlugboardError(.invalidWIT, "package \(package) has no world '\(name)' (worlds: \(list))", hint: "Name one of its worlds")
        }
        return PlugboardError(.invalidWIT, "package \(package) has \(available.count) worlds (\(list))", hint: "Say which world to use")
    }

    // MARK: modules and linking

    package static func fileNotReadable(_ path: String, reason: String) -> PlugboardError {
        PlugboardError(.fileNotFound, "cannot read plugin file '\(path)': \(reason)", hint: "Check the path and its permissions")
    }

    package static func invalidModule(detail: String) -> PlugboardError {
        PlugboardError(
            .invalidModule, "not a valid WebAssembly module: \(detail)",
            hint: "Rebuild the plugin for wasm32-wasip1 (or wasm32-unknown-unknown) and check it with `wasm-tools validate`")
    }

    package static func invalidComponent(_ detail: String) -> PlugboardError {
        PlugboardError(
            .invalidModule, "not a valid WebAssembly component: \(detail)",
            hint: "Rebuild it with `wasm-tools component new` and check it with `wasm-tools validate --features component-model`")
    }

    package static func unsupportedComponentFeature(_ construct: String) -> PlugboardError {
        PlugboardError(
            .invalidModule, "the component uses \(construct), which Plugboard does not run",
            hint: "Build the component without it (no async, streams, futures, component values or start functions; UTF-8 strings)")
    }

    package static func invalidWAT(detail: String) -> PlugboardError {
        PlugboardError(.invalidModule, "the WebAssembly text does not assemble: \(detail)", hint: "Fix the .wat source; `wasm-tools parse` gives the same result")
    }

    package static func componentGiven() -> PlugboardError {
        PlugboardError(
            .wrongBinaryKind,
            "this is WebAssembly component text; Plugboard loads binary components, and core modules as binary or text",
            hint: "Assemble it first (`wasm-tools parse plugin.wat -o plugin.wasm`), or load the core module it was made from")
    }

    package static func unknownBinaryKind(version: [UInt8]) -> PlugboardError {
        PlugboardError(
            .wrongBinaryKind,
            "this WebAssembly binary is neither a core module (version 01 00 00 00) nor a component (version 0d 00 01 00): its version bytes are "
                + version.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " "),
            hint: "Build a core module for wasm32-wasip1 or wasm32-unknown-unknown, or a component with `wasm-tools component new`")
    }

    package static func unsupportedCoreType(_ type: String) -> PlugboardError {
        PlugboardError(.invalidModule, "the module uses core type \(type) at its boundary; plugins may only use i32, i64, f32 and f64 there",
            hint: "Build the plugin without reference types or SIMD in its imports and exports")
    }

    package static func unknownImport(_ entry: ModuleDescription.Import, provided: [String]) -> PlugboardError {
        let what: String
        switch entry.kind {
        case .function: what = "function"
        case .memory: what = "memory"
        case .table: what = "table"
        case .global: what = "global"
        case .tag: what = "tag"
        }
        let list = provided.isEmpty ? "nothing" : provided.sorted().joined(separator: ", ")
        return PlugboardError(
            .unknownImport, "the plugin imports \(what) '\(entry.fullName)', which the host does not provide; the host provides: \(list)",
            hint: "Build the plugin against the host's WIT world, or register a host function for this import")
    }

    /// Imports no one provides: every missing interface named (in import order), and the functions of them the
    /// plugin calls.
    package static func unknownImports(_ functions: [ModuleDescription.Import], interfaces: [String], provided: [String]) -> PlugboardError {
        var unique: [String] = []
        for interface in interfaces where !unique.contains(interface) { unique.append(interface) }
        let calls = functions.isEmpty ? "" : " (it calls \(functions.map(\.fullName).joined(separator: ", ")))"
        let list = provided.isEmpty ? "nothing" : provided.sorted().joined(separator: ", ")
        let wasi = unique.filter { $0.hasPrefix("wasi:") }
        let hint = wasi.isEmpty
            ? "Build the plugin against the host's WIT world, or register host functions for these interfaces"
            : "Plugboard serves WASI 0.2.x (wasi:*@0.2) to components and WASI preview 1 to core modules: build the plugin "
                + "against one of them (wasm32-wasip2 or wasm32-wasip1), or without WASI"
        return PlugboardError(
            .unknownImport,
            "the plugin imports \(unique.count) interface(s) the host does not provide: \(unique.joined(separator: ", "))\(calls); "
                + "the host provides: \(list)",
            hint: hint)
    }

    package static func importSignatureMismatch(_ entry: ModuleDescription.Import, expected: CoreSignature, got: CoreSignature) -> PlugboardError {
        PlugboardError(
            .incompatibleInterface,
            "the plugin imports '\(entry.fullName)' as \(got), but the host's definition lowers to \(expected)",
            hint: "Rebuild the plugin's bindings from the host's WIT")
    }

    package static func missingWorldExport(_ coreName: String, function: WITFunction, world: String) -> PlugboardError {
        PlugboardError(
            .incompatibleInterface,
            "the plugin does not export '\(coreName)' (\(function.signature)), which world \(world) requires",
            hint: "Export every function of the world's exported interfaces with its canonical-ABI name")
    }

    package static func exportSignatureMismatch(_ coreName: String, function: WITFunction, expected: CoreSignature, got: CoreSignature) -> PlugboardError {
        PlugboardError(
            .incompatibleInterface,
            "the plugin exports '\(coreName)' as \(got), but \(function.signature) lowers to \(expected)",
            hint: "Rebuild the plugin's bindings from the host's WIT")
    }

    package static func missingCanonicalExport(_ name: String) -> PlugboardError {
        PlugboardError(
            .incompatibleInterface, "the plugin does not export '\(name)', which the canonical ABI needs to pass strings and lists",
            hint: "Export `memory` and `cabi_realloc(old_ptr, old_size, align, new_size) -> ptr` from the plugin")
    }

    package static func missingExport(_ name: String) -> PlugboardError {
        PlugboardError(.noSuchFunction, "the plugin has no exported function '\(name)'", hint: "Check the plugin's exports with `plugboard inspect`")
    }

    package static func unsupportedWASIFunction(_ name: String) -> PlugboardError {
        PlugboardError(.hostFunctionFailed, "the plugin called WASI function '\(name)', which plugins are not granted",
            hint: "Remove the call from the plugin")
    }

    // MARK: calls

    package static func noSuchFunction(_ name: String, in scope: String, available: [String]) -> PlugboardError {
        PlugboardError(
            .noSuchFunction, "'\(scope)' has no function '\(name)' (functions: \(available.joined(separator: ", ")))",
            hint: "Call one of the listed functions")
    }

    package static func argumentCountMismatch(function: WITFunction, got: Int) -> PlugboardError {
        PlugboardError(
            .typeMismatch, "\(function.name) takes \(function.parameters.count) arguments (\(function.signature)) but was given \(got)",
            hint: "Pass one value per parameter")
    }

    package static func resultCountMismatch(function: WITFunction, got: Int) -> PlugboardError {
        PlugboardError(
            .hostFunctionFailed, "the host implementation of \(function.name) returned \(got) values; \(function.signature) returns \(function.results.count)",
            hint: "Return one value per result from the host function")
    }

    package static func typeMismatch(expected: WITType, got: WITValue) -> PlugboardError {
        PlugboardError(.typeMismatch, "the value \(truncated(got.description)) is not a \(expected)", hint: "Pass a value of the declared WIT type")
    }

    package static func unexpectedValue(_ value: WITValue, expected: String) -> PlugboardError {
        PlugboardError(.typeMismatch, "expected a \(expected) value, got \(truncated(value.description))", hint: "Check that the plugin implements the default world")
    }

    package static func unsupportedType(_ what: String) -> PlugboardError {
        PlugboardError(
            .unsupportedType, "the function uses \(what), which Plugboard's canonical ABI does not support yet",
            hint: "Use records, variants, lists and strings instead of resources, futures or streams")
    }

    package static func valueTooLarge(_ what: String, bytes: Int) -> PlugboardError {
        PlugboardError(.typeMismatch, "\(what) is too large to pass to a 32-bit guest (\(bytes) bytes)", hint: "Pass less data per call")
    }

    /// - Parameter call: What the plugin called: WASI preview 1's `proc_exit(code)` unless given (WASI 0.2's exit).
    package static func pluginExited(code: UInt32, call: String? = nil) -> PlugboardError {
        var error = PlugboardError(
            .pluginExited, "the plugin called \(call.map { "\($0) (exit code \(code))" } ?? "proc_exit(\(code))")",
            hint: "A plugin must return from calls instead of exiting; this is a bug in the plugin")
        error.exitCode = code
        return error
    }

    package static func hostFunctionFailed(_ importName: String, underlying: any Error) -> PlugboardError {
        PlugboardError(
            .hostFunctionFailed, "host function '\(importName)' failed: \(underlying)",
            hint: "The plugin was stopped in that call; fix the host function or what the plugin passed it")
    }

    package static func pluginReportedError(_ function: String, message: String) -> PlugboardError {
        PlugboardError(.pluginReportedError, "\(function) returned an error: \(message)", hint: "See the plugin's documentation for what it expects")
    }

    // MARK: guest ABI violations

    package static func pointerOutOfBounds(_ what: String, pointer: Int, length: Int, memorySize: Int) -> PlugboardError {
        PlugboardError(
            .abiViolation,
            "the plugin passed \(what) at \(pointer) with length \(length), past the end of its \(memorySize)-byte memory",
            hint: "This is a bug in the plugin's canonical-ABI glue")
    }

    package static func misalignedPointer(_ what: String, pointer: UInt32, alignment: Int) -> PlugboardError {
        PlugboardError(
            .abiViolation, "the plugin passed \(what) at \(pointer), which is not aligned to \(alignment) bytes",
            hint: "This is a bug in the plugin's canonical-ABI glue")
    }

    package static func badRealloc(pointer: UInt32, size: Int, alignment: Int, memorySize: Int, for what: String) -> PlugboardError {
        PlugboardError(
            .abiViolation,
            "cabi_realloc returned \(pointer) for \(size) bytes aligned to \(alignment) (for \(what)), "
                + "which is misaligned or past the end of the \(memorySize)-byte memory",
            hint: "This is a bug in the plugin's cabi_realloc")
    }

    package static func invalidUTF8(pointer: UInt32, length: UInt32) -> PlugboardError {
        PlugboardError(
            .abiViolation, "the plugin passed a string at \(pointer) (\(length) bytes) that is not valid UTF-8",
            hint: "WIT strings are UTF-8; this is a bug in the plugin")
    }

    package static func badDiscriminant(_ value: UInt32, type: WITType, caseCount: Int) -> PlugboardError {
        badDiscriminantValue(value, typeName: type.description, caseCount: caseCount)
    }

    package static func badDiscriminantValue(_ value: UInt32, typeName: String, caseCount: Int) -> PlugboardError {
        PlugboardError(
            .abiViolation, "the plugin passed discriminant \(value) for \(typeName), which has \(caseCount) cases",
            hint: "This is a bug in the plugin's canonical-ABI glue")
    }

    package static func badChar(_ value: UInt32) -> PlugboardError {
        PlugboardError(
            .abiViolation, "the plugin passed \(value) as a char, which is not a Unicode scalar value",
            hint: "This is a bug in the plugin's canonical-ABI glue")
    }

    package static func flatArityMismatch(expected: Int, got: Int) -> PlugboardError {
        PlugboardError(.abiViolation, "expected at least \(expected) core values, got \(got)", hint: "The plugin's signature does not match its WIT")
    }

    package static func flatTypeMismatch(expected: CoreType, got: CoreType) -> PlugboardError {
        PlugboardError(.abiViolation, "expected a core \(expected), got \(got)", hint: "The plugin's signature does not match its WIT")
    }

    // MARK: host and registry

    package static func invalidArgument(_ message: String) -> PlugboardError {
        PlugboardError(.invalidArgument, message)
    }

    package static func pluginNotFound(_ name: String, loaded: [String]) -> PlugboardError {
        PlugboardError(
            .pluginNotFound, "no plugin named '\(name)' is loaded (loaded: \(loaded.isEmpty ? "none" : loaded.sorted().joined(separator: ", ")))",
            hint: "Load it first, or use one of the loaded names")
    }

    package static func pluginAlreadyLoaded(_ name: String) -> PlugboardError {
        PlugboardError(.pluginAlreadyLoaded, "a plugin named '\(name)' is already loaded", plugin: name)
            .withHint("Unload it first, or load this one under another name")
    }

    package static func pluginUnloaded(_ name: String) -> PlugboardError {
        PlugboardError(.pluginUnloaded, "the plugin was unloaded", hint: "Load it again to call it", plugin: name)
    }

    package func withHint(_ hint: String) -> PlugboardError {
        var copy = self
        copy.hint = hint
        return copy
    }

    package static func truncated(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
