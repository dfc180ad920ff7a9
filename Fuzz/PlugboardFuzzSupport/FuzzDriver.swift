#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if PLUGBOARD_LIBFUZZER
import _CLibFuzzer
#endif

/// A fuzz target's `LLVMFuzzerTestOneInput`: one input's bytes in, always `0` out (a finding stops the process).
public typealias FuzzTestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// The `main` of every fuzz target, in the two builds it has.
///
/// scripts/fuzz builds with `-sanitize=fuzzer,address -D PLUGBOARD_LIBFUZZER`: `main` hands the command line to
/// libFuzzer's `LLVMFuzzerRunDriver`. The target keeps a `@main` of its own rather than libFuzzer's `main` because
/// SwiftPM links every executable with `--defsym main=<Module>_main` (so tests can link executable modules): a
/// target without `@main` leaves that symbol undefined and does not link, and libFuzzer's `main` is overridden
/// anyway.
///
/// Any other build (`swift build`, the tests) makes the target a replayer: `main` runs the target once on each
/// file named on the command line (directories: each file in them), so a saved crash reproduces without libFuzzer.
public enum FuzzDriver {
    /// Runs libFuzzer on `testOneInput`, or replays the files named in the arguments through it; never returns.
    public static func main(_ testOneInput: FuzzTestOneInput) -> Never {
        #if PLUGBOARD_LIBFUZZER
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
        #else
        exit(replay(Array(CommandLine.arguments.dropFirst()), testOneInput))
        #endif
    }

    /// Runs `testOneInput` on each file of `paths` (each file of a directory); the exit status.
    static func replay(_ paths: [String], _ testOneInput: FuzzTestOneInput) -> CInt {
        guard !paths.isEmpty, !paths.contains(where: { $0.hasPrefix("-") }) else {
            print("usage: \(CommandLine.arguments[0]) FILE|DIRECTORY... (runs each input once; libFuzzer flags need the scripts/fuzz build)")
            return 2
        }
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let bytes = contents(of: file) else {
                    print("cannot read \(file)")
                    return 1
                }
                bytes.withUnsafeBufferPointer { _ = testOneInput($0.baseAddress, $0.count) }
                count += 1
            }
        }
        print("replayed \(count) input(s): no finding")
        return 0
    }

    /// `path` itself, or the regular files directly inside it when it is a directory.
    static func files(at path: String) -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { names.append("\(path)/\(name)") }
        }
        return names.sorted()
    }

    static func contents(of path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let read = fread(&buffer, 1, buffer.count, file)
            bytes.append(contentsOf: buffer.prefix(read))
            if read < buffer.count { return ferror(file) == 0 ? bytes : nil }
        }
    }
}
