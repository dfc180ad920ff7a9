import ArgumentParser
import Logging
import Plugboard
import PlugboardCLICommands
import Testing

/// `plugboard run` and `inspect` options, parsed and derived without running anything.
@Suite struct RunOptionsTests {
    @Test func keyValuesSplitAtTheFirstEqualsSign() throws {
        let run = try Run.parse([
            "plugin.wasm", "--input", "hello", "--option", "expr=a=b", "--option", "empty=", "--config", "prefix=>> ",
        ])
        #expect(run.plugin == "plugin.wasm")
        let request = run.deriveRequest()
        #expect(request == ProcessRequest(input: "hello", options: [("expr", "a=b"), ("empty", "")]))
        let configuration = run.deriveConfiguration()
        #expect(configuration.map(\.key) == ["prefix"])
        #expect(configuration.map(\.value) == [">> "])
    }

    @Test func repeatedOptionsKeepTheirOrder() throws {
        let run = try Run.parse(["p.wat", "--input", "x", "--option", "mode=uppercase", "--option", "b=2", "--option", "mode=wordcount"])
        #expect(run.deriveRequest() == ProcessRequest(input: "x", options: [("mode", "uppercase"), ("b", "2"), ("mode", "wordcount")]))
        #expect(run.json == false)
        #expect(run.name == nil)
    }

    @Test func loadOptionsCarryTheNameAndConfiguration() throws {
        let run = try Run.parse(["p.wat", "--input", "x", "--config", "a=1", "--config", "b=2", "--name", "custom", "--json"])
        let options = run.deriveLoadOptions()
        #expect(options.name == "custom")
        #expect(options.configuration.map(\.key) == ["a", "b"])
        #expect(run.json)
    }

    @Test(arguments: ["--option", "--config"])
    func aPairWithoutEqualsIsAUsageErrorNamingTheForm(flag: String) throws {
        let error = try #require(throws: (any Error).self) { try Run.parse(["p.wasm", "--input", "x", flag, "novalue"]) }
        #expect(Run.exitCode(for: error) == .validationFailure)
        let message = Run.message(for: error)
        #expect(message.contains("key=value"))
        #expect(message.contains("novalue"))
    }

    @Test func inputIsRequired() throws {
        let error = try #require(throws: (any Error).self) { try Run.parse(["p.wasm"]) }
        #expect(Run.exitCode(for: error) == .validationFailure)
    }

    @Test func verboseWinsOverLogLevel() throws {
        #expect(try Run.parse(["p", "--input", "x"]).global.effectiveLogLevel == .info)
        #expect(try Run.parse(["p", "--input", "x", "--log-level", "error"]).global.effectiveLogLevel == .error)
        #expect(try Run.parse(["p", "--input", "x", "--log-level", "error", "--verbose"]).global.effectiveLogLevel == .debug)
    }

    @Test func inspectChecksTheDefaultWorldUnlessWITIsGiven() throws {
        let inspect = try Inspect.parse(["p.wasm"])
        #expect(try inspect.deriveWorld() == DefaultWorld.world)
        let error = try #require(throws: (any Error).self) { try Inspect.parse(["p.wasm", "--world", "other"]) }
        #expect(Inspect.exitCode(for: error) == .validationFailure)
    }

    @Test func rootCommandListsItsSubcommands() {
        let configuration = PlugboardCommand.configuration
        #expect(configuration.commandName == "plugboard")
        #expect(configuration.version == "0.1.0")
        #expect(configuration.subcommands.map { $0._commandName } == ["run", "exec", "serve", "inspect", "bindgen", "new"])
    }
}
