import Foundation

/// Bare Wasmtime from Python (Benchmarks/wasmtime-py/stopping.py) timing the compute guests as they are, with epoch
/// checks and with fuel, in this run: whether an overhead `plugboard-benchmarks engines` measures for stopping a call
/// is Plugboard's or the code Wasmtime compiles.
struct StoppingPeer {
    /// Milliseconds per call, medians over the script's rounds.
    struct Timing {
        var asIs: Double
        var epochs: Double
        var fuel: Double
    }

    static let script = "Benchmarks/wasmtime-py/stopping.py"

    /// Runs the script on `guests`: each guest's timing by label, or why there is none.
    static func run(root: String, guests: [EngineBenchmark.ComputeGuest]) throws -> Result<[String: Timing], PythonPeer.Unavailable> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-stopping-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var arguments: [String] = []
        for (index, guest) in guests.enumerated() {
            let file = directory.appendingPathComponent("guest\(index).wasm")
            try Data(guest.bytes).write(to: file)
            let prepare = guest.prepareExport.map { ":" + $0 } ?? ""
            arguments += ["--guest", "\(index)=\(file.path):\(guest.function):\(guest.argument)\(prepare)"]
        }
        let json: [String: Any]
        switch try PythonPeer.runScript(root: root, script, arguments, setupHint: "run scripts/setup") {
        case .success(let printed): json = printed
        case .failure(let unavailable): return .failure(unavailable)
        }
        guard let timings = json["guests"] as? [String: [String: Double]] else { return .failure(.init("stopping.py printed no timings")) }
        var byLabel: [String: Timing] = [:]
        for (index, guest) in guests.enumerated() {
            guard let timing = timings["\(index)"], let asIs = timing["as_is_ms"], let epochs = timing["epochs_ms"], let fuel = timing["fuel_ms"] else {
                return .failure(.init("stopping.py printed no timing for \(guest.label)"))
            }
            byLabel[guest.label] = Timing(asIs: asIs, epochs: epochs, fuel: fuel)
        }
        return .success(byLabel)
    }
}
