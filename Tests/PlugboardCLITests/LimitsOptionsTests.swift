import ArgumentParser
import Plugboard
import PlugboardCLICommands
import Testing

/// `plugboard run --max-memory-mb N --fuel N --timeout-ms N`, parsed into ``PluginLimits``, and a deadline
/// stopping a spinning plugin run by the executable.
@Suite struct LimitsOptionsTests {
    @Test func maxMemoryAndFuelFlagsBecomeTheLoadOptionsLimits() throws {
        let run = try Run.parse(["p.wat", "--input", "x", "--max-memory-mb", "8", "--fuel", "10000000"])
        let limits = run.deriveLoadOptions().limits
        #expect(limits.maxMemoryBytes == 8 << 20)
        #expect(limits.fuelPerCall == 10_000_000)
    }

    @Test func timeoutFlagBecomesTheCallDeadline() throws {
        let run = try Run.parse(["p.wat", "--input", "x", "--timeout-ms", "250"])
        #expect(run.deriveLoadOptions().limits.timeout == .milliseconds(250))
        #expect(try Run.parse(["p.wat", "--input", "x"]).deriveLoadOptions().limits.timeout == .seconds(30))
    }

    @Test func aSpinningPluginIsStoppedByTimeoutMsAndTheErrorSaysHowToRaiseIt() async throws {
        let spinner = Repository.path("Tests/PlugboardTests/Fixtures/limits/limits.wat")
        let result = try await plugboard(["run", spinner, "--input", "spin", "--timeout-ms", "150"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("plugin timeout: the call was stopped after "))
        #expect(result.stderr.contains("over its wall-clock limit of 150 ms"))
        #expect(result.stderr.contains("--timeout-ms N"))
        #expect(result.stdout.isEmpty)
    }

    @Test func withoutTheFlagsTheDefaultsApply() throws {
        let run = try Run.parse(["p.wat", "--input", "x"])
        #expect(run.deriveLoadOptions().limits == PluginLimits())
    }

    @Test(arguments: [["--max-memory-mb", "0"], ["--max-memory-mb", "-1"], ["--fuel", "0"], ["--fuel", "lots"], ["--timeout-ms", "0"]])
    func aNonPositiveOrNonNumericLimitIsAUsageError(flags: [String]) throws {
        let error = try #require(throws: (any Error).self) { try Run.parse(["p.wasm", "--input", "x"] + flags) }
        #expect(Run.exitCode(for: error) == .validationFailure)
        #expect(Run.message(for: error).contains(flags[0]))
    }
}
