import ArgumentParser
import Plugboard
import PlugboardCLICommands
import Testing

/// `plugboard run --max-memory-mb N --fuel N`, parsed into ``PluginLimits`` without running anything.
@Suite struct LimitsOptionsTests {
    @Test func maxMemoryAndFuelFlagsBecomeTheLoadOptionsLimits() throws {
        let run = try Run.parse(["p.wat", "--input", "x", "--max-memory-mb", "8", "--fuel", "10000000"])
        let limits = run.deriveLoadOptions().limits
        #expect(limits.maxMemoryBytes == 8 << 20)
        #expect(limits.fuelPerCall == 10_000_000)
    }

    @Test func withoutTheFlagsTheDefaultsApply() throws {
        let run = try Run.parse(["p.wat", "--input", "x"])
        #expect(run.deriveLoadOptions().limits == PluginLimits())
    }

    @Test(arguments: [["--max-memory-mb", "0"], ["--max-memory-mb", "-1"], ["--fuel", "0"], ["--fuel", "lots"]])
    func aNonPositiveOrNonNumericLimitIsAUsageError(flags: [String]) throws {
        let error = try #require(throws: (any Error).self) { try Run.parse(["p.wasm", "--input", "x"] + flags) }
        #expect(Run.exitCode(for: error) == .validationFailure)
        #expect(Run.message(for: error).contains(flags[0]))
    }
}
