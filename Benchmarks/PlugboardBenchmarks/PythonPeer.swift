import Foundation

/// A peer benchmark in Python, run now, in this run, with the repository's `.venv/bin/python`: a script doing the
/// C example's `process` work on another runtime that prints one JSON line with the median microseconds per call
/// for the 1 KiB input (`process_1kib_us`) and an empty one (`process_empty_us`). Benchmarks/extism/bench.py
/// (Extism's Python SDK) and Benchmarks/wasmtime-py/bench.py (wasmtime-py, the canonical ABI by hand) take the same
/// arguments.
struct PythonPeer {
    /// Microseconds per call, medians over the script's runs.
    struct Timing {
        var process1KiB: Double
        var processEmpty: Double
    }

    /// The script, relative to the repository root.
    let script: String
    /// Says what to run when the script cannot run, e.g. "run scripts/setup-extism to compare with Extism's Python SDK".
    let setupHint: String

    static let extism = PythonPeer(script: "Benchmarks/extism/bench.py", setupHint: "run scripts/setup-extism to compare with Extism's Python SDK")
    static let wasmtimePy = PythonPeer(script: "Benchmarks/wasmtime-py/bench.py", setupHint: "run scripts/setup (it installs wasmtime 50.0.1 into .venv) to compare with wasmtime-py")

    /// Runs the script with `calls` calls per run, `runs` runs and config `prefix`: its timing, or why there is none
    /// (a sentence to print after the peer's name).
    func run(root: String, calls: Int, runs: Int = 7, prefix: String = ">> ") throws -> Result<Timing, Unavailable> {
        let printed = try Self.runScript(root: root, script, ["--calls", "\(calls)", "--runs", "\(runs)", "--prefix", prefix], setupHint: setupHint)
        return printed.flatMap { json in
            guard let oneKiB = json["process_1kib_us"] as? Double, let empty = json["process_empty_us"] as? Double else {
                return .failure(Unavailable("\(URL(fileURLWithPath: script).lastPathComponent) printed no timing"))
            }
            return .success(Timing(process1KiB: oneKiB, processEmpty: empty))
        }
    }

    /// Runs `script` (relative to the repository root) with the repository's `.venv/bin/python` and `arguments`: the
    /// JSON object it printed on stdout, or why there is none.
    static func runScript(root: String, _ script: String, _ arguments: [String], setupHint: String) throws -> Result<[String: Any], Unavailable> {
        let python = root + "/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { return .failure(Unavailable(".venv/bin/python is missing; \(setupHint)")) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root + "/" + script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return .failure(Unavailable("\(URL(fileURLWithPath: script).lastPathComponent) failed (status \(process.terminationStatus))"))
        }
        return .success(json)
    }

    /// Why a peer has no timing.
    struct Unavailable: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
