import ArgumentParser
import Foundation
import Plugboard
import PlugboardCLICommands
import PlugboardTesting
import Testing

/// `plugboard run --allow-dir HOST[:GUEST][:ro|rw]` against the filesystem probe plugin
/// (`Tests/PlugboardTests/Fixtures/filesystem/fs-probe.c`).
@Suite struct DirectoryOptionsTests {
    @Test func allowDirParses() throws {
        let run = try Run.parse(["p.wat", "--input", "x", "--allow-dir", "data", "--allow-dir", "data:/d:rw", "--allow-dir", "out:rw"])
        #expect(run.allowDir == [
            PreopenedDirectory(hostPath: "data", guestPath: "data", access: .readOnly),
            PreopenedDirectory(hostPath: "data", guestPath: "/d", access: .readWrite),
            PreopenedDirectory(hostPath: "out", guestPath: "out", access: .readWrite),
        ])
        #expect(run.deriveLoadOptions(manifest: nil, environment: [:]).capabilities.directories == run.allowDir)
        for bad in ["a:b:c", ":x", "a::rw", ""] {
            #expect(throws: (any Error).self, "\(bad)") { try Run.parse(["p.wat", "--input", "x", "--allow-dir", bad]) }
        }
    }

    @Test func runReadsUnderROAndWritesUnderRW() async throws {
        let probe = try await FSProbeGuest.path(repositoryRoot: Repository.root.path)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-cli-dirs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "from the host".write(toFile: directory + "/in.txt", atomically: true, encoding: .utf8)

        func probeRun(_ access: String, _ options: [String]) async throws -> ProcessResult {
            try await plugboard(["run", probe, "--input", "", "--allow-dir", "\(directory):/data:\(access)"] + options.flatMap { ["--option", $0] })
        }
        var result = try await probeRun("ro", ["op=read", "path=/data/in.txt"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "from the host\n")
        result = try await probeRun("ro", ["op=write", "path=/data/out.txt", "data=nope"])
        #expect(result.stdout == "error 69\n")
        #expect(!FileManager.default.fileExists(atPath: directory + "/out.txt"))

        result = try await probeRun("rw", ["op=write", "path=/data/out.txt", "data=written by the plugin"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ok\n")
        #expect(try String(contentsOfFile: directory + "/out.txt", encoding: .utf8) == "written by the plugin")

        result = try await plugboard(["run", probe, "--input", "", "--option", "op=read", "--option", "path=/data/in.txt"])
        #expect(result.stdout == "error 76\n")  // no --allow-dir: nothing is reachable

        result = try await plugboard(["run", probe, "--input", "", "--allow-dir", directory + "/missing:/m"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(directory + "/missing"))
    }
}
