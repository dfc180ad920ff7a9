import PlugboardABI
import PlugboardManifest

/// Plugboard's WASI 0.2 for components, written to be safe on hostile input: the host side of the `wasi:*@0.2.x`
/// interfaces a component imports (every 0.2 version, as semver allows), under the same ``PluginCapabilities`` as
/// ``WASIPreview1``, one policy for both.
///
/// Each function is implemented on the WIT types the component declares for it, through Plugboard's bounded
/// canonical ABI (every pointer checked, every argument charged to the host-call budget). Resources (streams,
/// pollables, errors) are ``WITResource``s in the instance's handle table. What is served:
/// - `wasi:cli`: the granted environment and arguments, an empty stdin (or the host's own, when granted), stdout
///   and stderr captured line by line into the log (or discarded, or passed to the host's own), `exit` ending the
///   call with `plugin-exited`, no terminals.
/// - `wasi:io`: output streams that write at most 64 KiB per call, input streams that read at most 64 KiB per call
///   (closed when stdin is empty), pollables that are always ready, errors that describe themselves.
/// - `wasi:clocks` and `wasi:random` when granted; when denied they answer 0 (clocks) and zero bytes (random),
///   since WASI 0.2 gives them no way to fail.
/// - `wasi:filesystem`: the granted directories as preopens, and files and directories beneath them, on preview 1's
///   rules and in its descriptor table (``WASIFileSystem``, ``WASIFileTable``): read-only preopens refuse every
///   change with `read-only`, no path leaves its preopen.
/// Every other function a component imports (sockets, links, times, ...) is defined so the component links, and
/// refuses: it answers its result type's error case (`access-denied`, `access`, `not-permitted`, `unsupported`,
/// `closed`), `none`, or else fails the call with an error naming the function (see ``WASIRefusal``).
package final class WASIPreview2 {
    /// Whether `interface` (`wasi:io/streams@0.2.3`) is a WASI 0.2 interface this host serves.
    package static func serves(_ interface: String) -> Bool {
        let name = VersionedInterfaceName(interface)
        guard name.unversioned.hasPrefix("wasi:"), let version = name.version else { return false }
        return version.major == 0 && version.minor == 2
    }

    /// The most bytes one `write` may pass (what `check-write` allows), like preview 1's short writes.
    static let maxWriteBytes = 64 << 10
    /// The most bytes one `read` of stdin returns (a short read, as streams allow).
    static let maxReadBytes = 64 << 10

    let output: GuestOutput
    let capabilities: PluginCapabilities
    /// The instance's descriptors: the same table (and bound) its preview 1 functions use.
    let files: WASIFileTable
    let stopCheck: @Sendable () throws -> Void
    let maxRandomBytes: Int

    package init(
        output: GuestOutput, capabilities: PluginCapabilities, files: WASIFileTable, maxRandomBytes: Int, stopCheck: @escaping @Sendable () throws -> Void
    ) {
        self.output = output
        self.capabilities = capabilities
        self.files = files
        self.maxRandomBytes = maxRandomBytes
        self.stopCheck = stopCheck
    }

    /// One implemented function: the lifted arguments in, the results (of the declared types) out.
    typealias Implementation = (_ arguments: [WITValue], _ function: WITFunction) throws -> [WITValue]

    /// The core function makers for the component's WASI 0.2 imports, each on the WIT type the component declares.
    func makers(for imports: [(interface: String, function: WITFunction)], limits: PluginLimits) -> [ComponentModule.HostFunctionMaker] {
        let implementations = self.implementations
        return imports.map { interface, function in
            let key = VersionedInterfaceName(interface).unversioned + "#" + function.name
            let importName = "\(interface).\(function.name)"
            let implementation: Implementation = implementations[key] ?? { _, function in try WASIRefusal.answer(function, of: interface) }
            let signature = CanonicalSignature(function)
            return (interface, function.name, { [stopCheck] binding in
                CanonicalCall.hostFunction(
                    module: interface, signature: signature, importName: importName, binding: binding,
                    maxArgumentBytes: limits.hostCallBudgetBytes, stopCheck: stopCheck
                ) { arguments in try implementation(arguments, function) }
            })
        }
    }

    /// What this host implements, by unversioned interface and function name.
    private var implementations: [String: Implementation] {
        var all: [String: Implementation] = [:]
        for (interface, functions) in [
            ("wasi:cli/environment", cliEnvironment), ("wasi:cli/exit", cliExit), ("wasi:cli/stdin", cliStdin),
            ("wasi:cli/stdout", cliStdout), ("wasi:cli/stderr", cliStderr), ("wasi:cli/terminal-stdin", noTerminal("get-terminal-stdin")),
            ("wasi:cli/terminal-stdout", noTerminal("get-terminal-stdout")), ("wasi:cli/terminal-stderr", noTerminal("get-terminal-stderr")),
            ("wasi:io/error", ioError), ("wasi:io/poll", ioPoll), ("wasi:io/streams", ioStreams),
            ("wasi:clocks/wall-clock", wallClock), ("wasi:clocks/monotonic-clock", monotonicClock),
            ("wasi:random/random", random), ("wasi:random/insecure", insecureRandom), ("wasi:random/insecure-seed", insecureSeed),
            ("wasi:filesystem/preopens", preopens), ("wasi:filesystem/types", filesystemTypes),
        ] as [(String, [String: Implementation])] {
            for (name, implementation) in functions { all[interface + "#" + name] = implementation }
        }
        return all
    }
}

/// Values of the WIT types WASI functions use, built against the type the component declares.
extension WASIPreview2 {
    /// A new host resource of the resource type `type` (an `own<T>` result) names.
    static func own(_ type: WITType?, _ value: any Sendable) throws -> WITValue {
        guard case .own(let resource)? = type else { throw PlugboardError.invalidArgument("a WASI function declared without an own<T> result") }
        return .resource(WITResource(resource, value: value))
    }

    /// The host value behind a handle argument, of the expected Swift type.
    static func host<T>(_ value: WITValue?, as: T.Type, _ what: String) throws -> T {
        guard case .resource(let resource)? = value, let host = resource.value as? T else {
            throw PlugboardError.invalidArgument("\(what) is not a handle this host made")
        }
        return host
    }

    static func bytes(_ value: WITValue?) throws -> [UInt8] {
        guard case .list(let elements)? = value else { throw PlugboardError.invalidArgument("expected a list<u8>") }
        return try elements.map {
            guard case .u8(let byte) = $0 else { throw PlugboardError.invalidArgument("expected a list<u8>") }
            return byte
        }
    }

    static func u64(_ value: WITValue?) throws -> UInt64 {
        guard case .u64(let number)? = value else { throw PlugboardError.invalidArgument("expected a u64") }
        return number
    }

    /// `err(closed)` of a `result<_, stream-error>`.
    static let closed: WITValue = .err(.variant(case: "closed", payload: nil))

    /// `err(last-operation-failed(error))` of a `result<_, stream-error>`, the error describing itself as `message`
    /// (and, for a file, giving its `error-code`).
    static func lastOperationFailed(_ message: String, fileErrorCode: String? = nil) -> WITValue {
        .err(.variant(case: "last-operation-failed", payload: .resource(WITResource(
            WITResourceType("error", interface: "wasi:io/error@0.2.0"), value: WASIError(message, fileErrorCode: fileErrorCode)))))
    }
}
