import Foundation
import Plugboard
import PlugboardTesting
import Testing

#if canImport(Glibc)
import Glibc
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest
#endif

/// Rollout state on disk: a registry with a state directory saves every rollout operation atomically, and a
/// process killed with SIGKILL in the middle of saving leaves a state the next start reads.
@Suite struct RolloutPersistenceTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "plugboard-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `.build/debug/PlugboardStateWriter`, built with the tests.
    static var writer: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/PlugboardStateWriter").path
    }

    /// Starts the writer, reads its output until it printed `lines` lines, waits up to 3 ms more, kills it with
    /// SIGKILL, and returns everything it printed.
    static func runAndKill(state: String, afterLines lines: Int) async throws -> (String, Process.TerminationReason) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.writer)
        process.arguments = [state]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let reader = output.fileHandleForReading
                var text = ""
                while text.split(separator: "\n").count < lines {
                    let data = reader.availableData
                    if data.isEmpty { break }
                    text += String(decoding: data, as: UTF8.self)
                }
                usleep(UInt32.random(in: 0...3_000))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                text += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
                continuation.resume(returning: (text, process.terminationReason))
            }
        }
    }

    @Test func aWriterKilledWithSIGKILLMidSaveLeavesAReadableStateItHadSaved() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        var killedAfter: [Int] = []
        /// What the state holds: the stable and canary versions ("-" for none).
        var current: (stable: String, canary: String)? = nil
        for round in 0..<8 {
            // Let it save for a while (a different time each round), then kill it wherever it is. Blocking reads and
            // waits happen on a thread of their own, not on Swift's cooperative pool that other suites share.
            let (text, reason) = try await Self.runAndKill(state: state, afterLines: 3 + round * 7)
            #expect(reason == .uncaughtSignal, "the writer ended on its own: \(text.suffix(500))")
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("step ") && $0.split(separator: " ").count == 4 }
            killedAfter.append(lines.count)

            // Whatever the moment, the state reads back, and holds the versions after the last step the writer
            // printed, or after the step it was in when killed (saved, but not printed yet).
            var step = 0
            if let last = lines.last?.split(separator: " ") {
                step = Int(last[1]) ?? 0
                current = (String(last[2]), String(last[3]))
            }
            let registry = PluginRegistry(configuration: .init(stateDirectory: state))
            try await registry.restoreState()
            let summary = try await registry.summary("kept")
            let restored = (stable: summary.stable.version, canary: summary.canary?.version ?? "-")
            var allowed: [(stable: String, canary: String)] = []
            if let current {
                allowed.append(current)
                allowed.append(StateWriterStep.after(step: step + 1, from: current))
            } else {
                allowed.append(("1.0.0", "-"))
                allowed.append(StateWriterStep.after(step: 1, from: ("1.0.0", "-")))
            }
            #expect(allowed.contains { $0 == restored }, "restored \(restored), expected one of \(allowed)")
            current = restored
            #expect(try await registry.process("kept", ProcessRequest(input: "x")).value.output.hasSuffix(":x"))
            await registry.shutdown()
        }
        // Temporary files of interrupted saves are cleared when the state is read.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files of interrupted saves: \(leftovers)")
        print("RolloutPersistenceTests: killed the writer after \(killedAfter) printed steps; the state read back every time")
    }

    /// The step the writer makes (see `Tests/PlugboardStateWriter/main.swift`): with no canary it deploys one named
    /// after the step; then every third step rolls it back and the others promote it.
    enum StateWriterStep {
        static func after(step: Int, from state: (stable: String, canary: String)) -> (stable: String, canary: String) {
            if state.canary == "-" { return (state.stable, "\(step).0.0") }
            return step % 3 == 0 ? (state.stable, "-") : (state.canary, "-")
        }
    }

    @Test func aCorruptStateFileIsReportedAndNeverOverwritten() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let file = state + "/rollout-state.json"
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: file))
        let registry = PluginRegistry(configuration: .init(stateDirectory: state))
        let error = try await #require(throws: RolloutStateError.self) { try await registry.restoreState() }
        #expect(error.description.contains("the rollout state '\(file)' cannot be read"))
        #expect(error.description.contains("left untouched"))
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "fresh")
        try await registry.deploy("fresh", bytes: VersionedGuest.bytes(version: "2.0.0"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "{ not json")
        await registry.shutdown()
    }

    @Test func modulesNoLongerReferencedAreDeletedFromTheStateDirectory() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        var settings = RolloutSettings()
        settings.keepVersions = 2
        let registry = PluginRegistry(configuration: .init(stateDirectory: state, defaultSettings: settings))
        try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "pruned")
        for major in 2...6 {
            try await registry.deploy("pruned", bytes: VersionedGuest.bytes(version: "\(major).0.0"))
        }
        let modules = try FileManager.default.contentsOfDirectory(atPath: state + "/modules").filter { $0.hasSuffix(".wasm") }
        #expect(modules.count == 3, "stable 6.0.0 and the two kept before it, got \(modules.count)")
        #expect(try await registry.summary("pruned").previousVersions == ["5.0.0", "4.0.0"])
        await registry.shutdown()
    }
}
