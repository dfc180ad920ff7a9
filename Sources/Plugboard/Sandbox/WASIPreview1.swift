#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plugboard's own WASI preview 1 (`wasi_snapshot_preview1`) for plugins, written to be safe on hostile input.
///
/// WasmKit's WASI layer reads guest pointers without checking them (a bad iovec crashes the host), so the
/// functions a plugin can reach are implemented here: every pointer and length is checked against memory first
/// and a bad one returns `EFAULT`. What is granted follows ``PluginCapabilities``: stdout and stderr captured
/// line by line into the host's log (or discarded), an empty stdin, exactly the granted arguments and
/// environment variables, no preopened directories, and clocks and random only when granted (when denied,
/// `clock_time_get`, `clock_res_get` and `random_get` return `EACCES`; nothing traps).
/// Every other WASI function returns `ENOSYS`.
struct WASIPreview1 {
    static let moduleName = "wasi_snapshot_preview1"

    /// WASI errno values used here.
    enum Errno: UInt32 {
        case success = 0
        case acces = 2
        case badf = 8
        case fault = 21
        case inval = 28
        case nosys = 52
        case spipe = 70
    }

    let output: GuestOutput
    let capabilities: PluginCapabilities

    init(output: GuestOutput, capabilities: PluginCapabilities = PluginCapabilities()) {
        self.output = output
        self.capabilities = capabilities
    }

    /// Host functions for every `wasi_snapshot_preview1` function the module imports, or an error for an
    /// import whose signature is not WASI's.
    func hostFunctions(for imports: [ModuleDescription.Import]) throws -> [CoreHostFunction] {
        try imports.filter { $0.module == Self.moduleName }.map { entry in
            guard case .function(let signature) = entry.kind else { throw PlugboardError.unknownImport(entry, provided: []) }
            if let known = implementations[entry.name] {
                guard known.signature == signature else {
                    throw PlugboardError.importSignatureMismatch(entry, expected: known.signature, got: signature)
                }
                return CoreHostFunction(module: Self.moduleName, name: entry.name, signature: signature) { caller, arguments in
                    try known.body(caller, arguments)
                }
            }
            return CoreHostFunction(module: Self.moduleName, name: entry.name, signature: signature) { _, _ in
                guard signature.results == [.i32] else { throw PlugboardError.unsupportedWASIFunction(entry.name) }
                return [.i32(Errno.nosys.rawValue)]
            }
        }
    }

    private typealias Body = (any CoreCaller, [CoreValue]) throws -> [CoreValue]

    private var implementations: [String: (signature: CoreSignature, body: Body)] {
        let i32 = CoreType.i32
        let output = capabilities.stdio == .log ? self.output : nil
        let (allowsClocks, allowsRandom) = (capabilities.allowsClocks, capabilities.allowsRandom)
        let environment = capabilities.environment.sorted { $0.key < $1.key }.map { Self.nulTerminated("\($0.key)=\($0.value)") }
        let arguments = capabilities.arguments.map(Self.nulTerminated)
        return [
            "fd_write": (CoreSignature(parameters: [i32, i32, i32, i32], results: [i32]), { caller, args in
                Self.errno {
                    let memory = try Self.memory(of: caller)
                    let fd = args[0].u32
                    guard fd == 1 || fd == 2 else { return .badf }
                    let chunks = try Self.iovecs(memory, pointer: args[1].u32, count: args[2].u32)
                    var written: UInt32 = 0
                    for (pointer, length) in chunks {
                        output?.write(try memory.bytes(at: pointer, count: Int(length), "an iovec buffer"), toStandardError: fd == 2)
                        written &+= length
                    }
                    try memory.store(written, at: Int(args[3].u32))
                    return .success
                }
            }),
            "fd_read": (CoreSignature(parameters: [i32, i32, i32, i32], results: [i32]), { caller, args in
                Self.errno {
                    let memory = try Self.memory(of: caller)
                    guard args[0].u32 == 0 else { return .badf }
                    _ = try Self.iovecs(memory, pointer: args[1].u32, count: args[2].u32)
                    try memory.store(UInt32(0), at: Int(args[3].u32))
                    return .success
                }
            }),
            "fd_close": (CoreSignature(parameters: [i32], results: [i32]), { _, args in
                [.i32(args[0].u32 <= 2 ? Errno.success.rawValue : Errno.badf.rawValue)]
            }),
            "fd_seek": (CoreSignature(parameters: [i32, .i64, i32, i32], results: [i32]), { _, args in
                [.i32(args[0].u32 <= 2 ? Errno.spipe.rawValue : Errno.badf.rawValue)]
            }),
            "fd_fdstat_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                Self.errno {
                    guard args[0].u32 <= 2 else { return .badf }
                    let memory = try Self.memory(of: caller)
                    let pointer = Int(args[1].u32)
                    try memory.checkRange(start: pointer, count: 24, "an fdstat")
                    try memory.store(UInt8(2), at: pointer)  // character device
                    try memory.store(UInt8(0), at: pointer + 1)
                    try memory.store(UInt16(0), at: pointer + 2)
                    try memory.store(UInt32(0), at: pointer + 4)
                    let rights: UInt64 = args[0].u32 == 0 ? 1 << 1 : 1 << 6  // fd_read / fd_write
                    try memory.store(rights, at: pointer + 8)
                    try memory.store(UInt64(0), at: pointer + 16)
                    return .success
                }
            }),
            "fd_prestat_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { _, _ in [.i32(Errno.badf.rawValue)] }),
            "fd_prestat_dir_name": (CoreSignature(parameters: [i32, i32, i32], results: [i32]), { _, _ in [.i32(Errno.badf.rawValue)] }),
            "args_sizes_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                Self.sizes(of: arguments, caller, args)
            }),
            "environ_sizes_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                Self.sizes(of: environment, caller, args)
            }),
            "args_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                Self.strings(arguments, caller, args, "argv")
            }),
            "environ_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                Self.strings(environment, caller, args, "environ")
            }),
            "clock_time_get": (CoreSignature(parameters: [i32, .i64, i32], results: [i32]), { caller, args in
                Self.errno {
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
                Self.errno {
                    guard allowsClocks else { return .acces }
                    guard args[0].u32 <= 1 else { return .inval }
                    try Self.memory(of: caller).store(UInt64(1_000), at: Int(args[1].u32))
                    return .success
                }
            }),
            "random_get": (CoreSignature(parameters: [i32, i32], results: [i32]), { caller, args in
                Self.errno {
                    guard allowsRandom else { return .acces }
                    let memory = try Self.memory(of: caller)
                    try memory.checkRange(args[0].u32, count: Int(args[1].u32), "a random buffer")
                    var generator = SystemRandomNumberGenerator()
                    let bytes = (0..<Int(args[1].u32)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                    try memory.write(bytes, at: args[0].u32, "a random buffer")
                    return .success
                }
            }),
            "sched_yield": (CoreSignature(parameters: [], results: [i32]), { _, _ in [.i32(Errno.success.rawValue)] }),
            "proc_exit": (CoreSignature(parameters: [i32], results: []), { _, args in
                throw PlugboardError.pluginExited(code: args[0].u32)
            }),
        ]
    }

    private static func nulTerminated(_ string: String) -> [UInt8] { Array(string.utf8) + [0] }

    /// `args_sizes_get` / `environ_sizes_get`: the number of strings and their total size with terminators.
    private static func sizes(of strings: [[UInt8]], _ caller: any CoreCaller, _ args: [CoreValue]) -> [CoreValue] {
        errno {
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
    private static func strings(_ strings: [[UInt8]], _ caller: any CoreCaller, _ args: [CoreValue], _ what: String) -> [CoreValue] {
        errno {
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

    private static func memory(of caller: any CoreCaller) throws -> GuestMemory {
        guard let memory = caller.memory else { throw PlugboardError.missingCanonicalExport("memory") }
        return GuestMemory(raw: memory)
    }

    /// Reads and checks an iovec array: each entry's buffer must lie inside memory.
    private static func iovecs(_ memory: GuestMemory, pointer: UInt32, count: UInt32) throws -> [(UInt32, UInt32)] {
        try memory.checkAlignment(pointer, 4, "an iovec array")
        try memory.checkRange(pointer, count: Int(count) * 8, "an iovec array of \(count) entries")
        return try (0..<Int(count)).map { index in
            let base = try memory.load(UInt32.self, at: Int(pointer) + 8 * index)
            let length = try memory.load(UInt32.self, at: Int(pointer) + 8 * index + 4)
            try memory.checkRange(base, count: Int(length), "an iovec buffer")
            return (base, length)
        }
    }

    /// Runs a WASI body, turning a bad guest pointer into `EFAULT` instead of a trap.
    private static func errno(_ body: () throws -> Errno) -> [CoreValue] {
        do {
            return [.i32(try body().rawValue)]
        } catch {
            return [.i32(Errno.fault.rawValue)]
        }
    }
}

extension CoreValue {
    /// The value as an unsigned 32-bit integer (the engine has checked the signature).
    var u32: UInt32 {
        switch self {
        case .i32(let v), .f32(let v): v
        case .i64(let v), .f64(let v): UInt32(truncatingIfNeeded: v)
        }
    }
}
