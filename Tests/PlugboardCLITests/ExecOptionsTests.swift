import ArgumentParser
import Plugboard
import PlugboardCLICommands
import Testing

/// How `plugboard exec`'s command line becomes a program's arguments, environment, directories and limits.
@Suite struct ExecOptionsTests {
    @Test func everythingAfterTheFileIsTheProgramsUnchanged() throws {
        let exec = try Exec.parse(["--fuel", "5", "p.wasm", "--fuel", "3", "--", "-v", "--env", "A=B"])
        #expect(exec.fuel == 5)
        #expect(exec.env.isEmpty)
        #expect(exec.programFile == "p.wasm")
        #expect(exec.programArguments == ["p.wasm", "--fuel", "3", "--", "-v", "--env", "A=B"])

        let terminated = try Exec.parse(["--timeout-ms", "10", "--", "p.wasm", "x"])
        #expect(terminated.programArguments == ["p.wasm", "x"])
        #expect(terminated.timeoutMilliseconds == 10)
    }

    @Test func envSetsAndAllowEnvPassesTheHostsValueThroughIfSet() throws {
        let exec = try Exec.parse([
            "--allow-env", "HOME", "--allow-env", "UNSET", "--allow-env", "BOTH", "--env", "BOTH=flag", "--env", "EMPTY=", "--env", "X=1=2", "p.wasm",
        ])
        let environment = exec.deriveEnvironment(host: ["HOME": "/home/me", "BOTH": "host", "OTHER": "not passed"])
        #expect(environment == ["HOME": "/home/me", "BOTH": "flag", "EMPTY": "", "X": "1=2"])
    }

    @Test func limitsAreGenerousButFiniteByDefaultAndTheFlagsReplaceThem() throws {
        let defaults = try Exec.parse(["p.wasm"]).deriveLimits()
        #expect(defaults == WASIProgram.defaultLimits)
        #expect(defaults.maxMemoryBytes == 1 << 30)
        #expect(defaults.timeout == .seconds(3600))
        #expect(defaults.fuelPerCall == nil)

        let limits = try Exec.parse(["--timeout-ms", "2500", "--max-memory-mb", "16", "--fuel", "1000", "p.wasm"]).deriveLimits()
        #expect(limits.timeout == .milliseconds(2500))
        #expect(limits.maxMemoryBytes == 16 << 20)
        #expect(limits.fuelPerCall == 1000)
    }

    /// The program inherits plugboard's stdio, may read clocks and random, and sees the granted directories.
    @Test func theProgramsCapabilities() throws {
        let exec = try Exec.parse(["--allow-dir", "data:/data:rw", "--env", "A=1", "p.wasm", "x"])
        let options = exec.deriveOptions(hostEnvironment: [:])
        #expect(
            options.capabilities
                == PluginCapabilities(
                    environment: ["A": "1"], arguments: ["p.wasm", "x"], allowsClocks: true, allowsRandom: true, stdio: .inherit,
                    standardInput: .inherit, directories: [PreopenedDirectory(hostPath: "data", guestPath: "/data", access: .readWrite)]))
    }

}
