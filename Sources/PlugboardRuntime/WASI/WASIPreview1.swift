#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Plugboard's own WASI preview 1 (`wasi_snapshot_preview1`) for plugins, written to be safe on hostile input.
///
/// WasmKit's WASI layer reads guest pointers without checking them (a bad iovec crashes the host), so the
/// functions a plugin can reach are implemented here: every pointer and length is checked against memory first
/// and a bad one returns `EFAULT`. What is granted follows ``PluginCapabilities``: stdout and stderr captured
/// line by line into the host's log (or discarded, or passed to the host's own), an empty stdin (or the host's
/// own), exactly the granted arguments and
/// environment variables, clocks and random only when granted (when denied, `clock_time_get`, `clock_res_get`
/// and `random_get` return `EACCES`; nothing traps), and exactly the granted directories as preopens (fds 3, 4,
/// …; see ``PreopenedDirectory`` for what is enforced and `WASIPreview1+Files.swift` for the file functions).
/// Every other WASI function returns `ENOSYS`.
package struct WASIPreview1 {
    package static let moduleName = "wasi_snapshot_preview1"

    package let output: GuestOutput
    package let capabilities: PluginCapabilities
    /// The instance's open file descriptors (preopens first); ``Plugin`` resets it for every fresh instance and
    /// closes it on unload.
    package let files: WASIFileTable

    /// - Throws: `fileNotFound` when a granted directory cannot be opened.
    /// Throws when the call the host works for was stopped (see ``CallInterruption/checkNotStopped()``).
    package let stopCheck: @Sendable () throws -> Void

    package init(
        output: GuestOutput, capabilities: PluginCapabilities = PluginCapabilities(), stopCheck: @escaping @Sendable () throws -> Void = {}
    ) throws(PlugboardError) {
        self.output = output
        self.capabilities = capabilities
        self.stopCheck = stopCheck
        self.files = try WASIFileTable(directories: capabilities.directories)
    }

    /// Host functions for every `wasi_snapshot_preview1` function the module imports, or an error for an
    /// import whose signature is not WASI's.
    package func hostFunctions(for imports: [ModuleDescription.Import], binding: CanonicalBinding) throws -> [CoreHostFunction] {
        let wanted = imports.filter { $0.module == Self.moduleName }
        guard !wanted.isEmpty else { return [] }
        let implementations = self.implementations  // built once: it is a dictionary of every function's closure
        return try wanted.map { entry in
            guard case .function(let signature) = entry.kind else { throw PlugboardError.unknownImport(entry, provided: []) }
            if let known = implementations[entry.name] {
                guard known.signature == signature else {
                    throw PlugboardError.importSignatureMismatch(entry, expected: known.signature, got: signature)
                }
                let importName = entry.fullName
                return CoreHostFunction(module: Self.moduleName, name: entry.name, signature: signature) { arguments in
                    try binding.instance?.checkMayCallImport(importName)
                    return try known.body(binding, arguments)
                }
            }
            return CoreHostFunction(module: Self.moduleName, name: entry.name, signature: signature) { _ in
                guard signature.results == [.i32] else { throw PlugboardError.unsupportedWASIFunction(entry.name) }
                return .i32(Errno.nosys.rawValue)
            }
        }
    }

    /// A WASI function's body: the instance it serves (through the binding, set once instantiated) and its core
    /// arguments; it returns its errno (or nothing, for `proc_exit`).
    /// Checks the module's WASI imports (names and signatures) without making anything.
    package static func checkImports(_ imports: [ModuleDescription.Import]) throws {
        _ = try WASIPreview1(output: GuestOutput { _, _ in }).hostFunctions(for: imports, binding: CanonicalBinding())
    }

    package typealias Body = (CanonicalBinding, UnsafeBufferPointer<CoreValue>) throws -> CoreValue?

    private var implementations: [String: (signature: CoreSignature, body: Body)] {
        let i32 = CoreType.i32
        let stdio = GuestStdio(capabilities.stdio, output: output)
        let standardInput = capabilities.standardInput
        let (allowsClocks, allowsRandom) = (capabilities.allowsClocks, capabilities.allowsRandom)
        let environment = capabilities.environment.sorted { $0.key < $1.key }.map { Self.nulTerminated("\($0.key)=\($0.value)") }
        let arguments = capabilities.arguments.map(Self.nulTerminated)
        let stopCheck = self.stopCheck
        return Self.fileImplementations(files: files, stdio: stdio, standardInput: standardInput, stopCheck: stopCheck).merging([
            "args_sizes_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                try Self.sizes(of: arguments, caller, args)
            }),
            "environ_sizes_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                try Self.sizes(of: environment, caller, args)
            }),
            "args_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                try Self.strings(arguments, caller, args, "argv")
            }),
            "environ_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                try Self.strings(environment, caller, args, "environ")
            }),
            "clock_time_get": (CoreSignature(parameters: [i32, .i64, i32], results: [i32]), { caller, args in
                try Self.errno {
                    guard allowsClocks else { return .acces }
                    let memory = try Self.memory(of: caller)
                    let clock: clockid_t
                    switch args[0].u32 {
                    case 0: clock = CLOCK_REALTIME
                    case 1: clock = CLOCK_MONOTONIC
                    default: return .inval
                    }
                    var now = timespec()
                    clock_gettime(clock, &now)
                    try memory.store(UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec), at: Int(args[2].u32))
                    return .success
                }
            }),
            "clock_res_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                try Self.errno {
                    guard allowsClocks else { return .acces }
                    guard args[0].u32 <= 1 else { return .inval }
                    try Self.memory(of: caller).store(UInt64(1_000), at: Int(args[1].u32))
                    return .success
                }
            }),
            "random_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                try Self.errno {
                    guard allowsRandom else { return .acces }
                    let memory = try Self.memory(of: caller)
                    try memory.checkRange(args[0].u32, count: Int(args[1].u32), "a random buffer")
                    try SystemEntropy.fill(memory, at: args[0].u32, count: Int(args[1].u32), stopCheck: stopCheck)
                    return .success
                }
            }),
            "sched_yield": (CoreSignature(parameters: [], results: [i32]), { _, _ in .i32(Errno.success.rawValue) }),
            "proc_exit": (CoreSignature(parameters: [i32], results: []), { _, args in
                throw PlugboardError.pluginExited(code: args[0].u32)
            }),
        ]) { file, _ in file }
    }

    private static func nulTerminated(_ string: String) -> [UInt8] { Array(string.utf8) + [0] }

    /// `args_sizes_get` / `environ_sizes_get`: the number of strings and their total size with terminators.
    private static func sizes(of strings: [[UInt8]], _ caller: CanonicalBinding, _ args: UnsafeBufferPointer<CoreValue>) throws -> CoreValue? {
        try errno {
            let memory = try memory(of: caller)
            try memory.checkRange(args[0].u32, count: 4, "a count")
            try memory.checkRange(args[1].u32, count: 4, "a buffer size")
            try memory.store(UInt32(strings.count), at: Int(args[0].u32))
            try memory.store(UInt32(strings.reduce(0) { $0 + $1.count }), at: Int(args[1].u32))
            return .success
        }
    }

    /// `args_get` / `environ_get`: the pointer array at `args[0]`, the strings packed at `args[1]`. Both ranges
    /// are checked before anything is written.
    private static func strings(_ strings: [[UInt8]], _ caller: CanonicalBinding, _ args: UnsafeBufferPointer<CoreValue>, _ what: String) throws -> CoreValue? {
        try errno {
            let memory = try memory(of: caller)
            let (pointers, buffer) = (args[0].u32, args[1].u32)
            try memory.checkRange(pointers, count: 4 * strings.count, "the \(what) pointer array")
            try memory.checkRange(buffer, count: strings.reduce(0) { $0 + $1.count }, "the \(what) buffer")
            var offset = 0
            for (index, string) in strings.enumerated() {
                try memory.store(UInt32(Int(buffer) + offset), at: Int(pointers) + 4 * index)
                try memory.write(string, at: UInt32(Int(buffer) + offset), "the \(what) buffer")
                offset += string.count
            }
            return .success
        }
    }

    package static func memory(of binding: CanonicalBinding) throws -> GuestMemory {
        guard let memory = binding.instance?.memory else { throw PlugboardError.missingCanonicalExport("memory") }
        return memory
    }

    /// The most iovec entries one read or write takes (POSIX's `IOV_MAX` on Linux); more is `EINVAL`, as for `writev`.
    package static let maxIovecs = 1024
    /// The most bytes one read or write moves; past it the transfer is short, as POSIX allows and wasi-libc expects
    /// (it calls again for the rest). So the host's work in one call is bounded whatever the guest's iovecs say,
    /// and a guest that writes more runs guest code between calls, where its deadline stops it.
    package static let maxBytesPerTransfer = 1 << 20
    /// The most bytes one write to stdout or stderr takes (a pipe's worth): each is split into log lines.
    package static let maxBytesPerOutputWrite = 64 << 10

    /// Reads and checks an iovec array: at most ``maxIovecs`` entries, each entry's buffer inside memory; the
    /// buffers are cut so that together they hold at most ``maxBytesPerTransfer`` bytes.
    package static func iovecs(
        _ memory: GuestMemory, pointer: UInt32, count: UInt32, maxBytes: Int = maxBytesPerTransfer
    ) throws -> [(UInt32, UInt32)] {
        guard count <= maxIovecs else { throw Errno.inval }
        try memory.checkAlignment(pointer, 4, "an iovec array")
        try memory.checkRange(pointer, count: Int(count) * 8, "an iovec array of \(count) entries")
        var chunks: [(UInt32, UInt32)] = []
        var remaining = maxBytes
        for index in 0..<Int(count) {
            let base = try memory.load(UInt32.self, at: Int(pointer) + 8 * index)
            let length = try memory.load(UInt32.self, at: Int(pointer) + 8 * index + 4)
            try memory.checkRange(base, count: Int(length), "an iovec buffer")
            guard remaining > 0 else { continue }  // still checked: a bad entry is EFAULT wherever it is
            let taken = min(Int(length), remaining)
            chunks.append((base, UInt32(taken)))
            remaining -= taken
        }
        return chunks
    }

    /// Runs a WASI body, turning a thrown ``Errno`` into its value and a bad guest pointer into `EFAULT` instead
    /// of a trap.
    package static func errno(_ body: () throws -> Errno) throws -> CoreValue? {
        do {
            return .i32(try body().rawValue)
        } catch let code as Errno {
            return .i32(code.rawValue)
        } catch let stopped as CallInterruption.Stopped {
            throw stopped
        } catch {
            return .i32(Errno.fault.rawValue)
        }
    }
}

extension CoreValue {
    /// The value as an unsigned 32-bit integer (the engine has checked the signature).
    package var u32: UInt32 {
        switch self {
        case .i32(let v), .f32(let v): v
        case .i64(let v), .f64(let v): UInt32(truncatingIfNeeded: v)
        }
    }
}
