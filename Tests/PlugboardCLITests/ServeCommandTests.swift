import Foundation
import PlugboardTesting
import Synchronization
import Testing

/// `plugboard serve` as a user starts it: the built binary from the repository root with its defaults (the example
/// plugins), answering the README's curl example, and exiting cleanly on SIGTERM.
@Suite struct ServeCommandTests {
    @Test func theReadmeCurlExampleWorksAgainstServeAndSIGTERMStopsItCleanly() async throws {
        let process = Process()
        process.executableURL = try Repository.executable()
        process.arguments = ["serve", "--port", "0"]
        process.currentDirectoryURL = Repository.root
        var environment = ProcessInfo.processInfo.environment
        environment["PLUGBOARD_ADMIN_TOKEN"] = nil
        process.environment = environment
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // Everything serve logs, read on a thread of its own so the pipe never fills.
        let log = Mutex("")
        let handle = stderr.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                log.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        // The port from the "Serving plugins on http://127.0.0.1:PORT/" line.
        let marker = "Serving plugins on http://127.0.0.1:"
        let started = try await eventually(within: 120) { log.withLock { $0.contains(marker) } }
        let text = log.withLock { $0 }
        try #require(started, "serve printed no address; it printed: \(text)")
        let bound = try #require(text.range(of: marker).flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) })
        #expect(text.contains("text-transform-c"), "the example plugins are loaded by default")

        // Every curl command in the README, pointed at this server's port.
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        let curls = readme.split(separator: "\n").map(String.init).filter { $0.hasPrefix("curl ") }
        try #require(!curls.isEmpty, "the README has a curl example")
        let process1 = curls[0].replacingOccurrences(of: "localhost:8080", with: "127.0.0.1:\(bound)")
        let result = try await runProcess("/bin/sh", ["-c", process1], in: Repository.root)
        #expect(result.status == 0, "curl failed: \(result.stderr)")
        #expect(result.stdout.contains(#""output":"HELLO PLUGINS""#), "the README's example answers as it says: \(result.stdout)")
        #expect(result.stdout.contains(#""version":"1.0.0""#))

        process.terminate()  // SIGTERM
        let exited = try await eventually { !process.isRunning }
        #expect(exited, "serve stopped within the time allowed after SIGTERM")
        #expect(process.terminationStatus == 0)
    }
}
