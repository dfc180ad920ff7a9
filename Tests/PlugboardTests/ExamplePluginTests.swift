import Logging
import Plugboard
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// The two example plugins implement the default world identically; every behaviour is checked on both.
@Suite struct ExamplePluginTests {
    static let plugins = [("text-transform-c", Repository.cPlugin), ("text-transform-wat", Repository.watPlugin)]

    @Test(arguments: plugins)
    func metadataNamesThePlugin(name: String, path: String) async throws {
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        let metadata = try await plugin.metadata()
        #expect(metadata == PluginMetadata(name: name, version: "1.0.0", description: "Uppercases text or counts its words"))
        #expect(plugin.version == "1.0.0")
    }

    @Test(arguments: plugins)
    func initializeLogsThroughTheHostWithPluginMetadata(name: String, path: String) async throws {
        let (logger, logs) = RecordingLogHandler.logger()
        let host = PluginHost(logger: logger)
        let plugin = try await host.load(path: path, options: .init(name: "transformer"))
        try await plugin.initialize(config: [("prefix", ">> "), ("other", "x")])
        let record = try #require(logs.all.first { $0.message == "initialized with 2 config entries" })
        #expect(record.level == .info)
        #expect(record.metadata["plugin.name"] == "transformer")
        #expect(record.metadata["plugin.version"] == "1.0.0")
    }

    @Test(arguments: plugins)
    func processUppercasesAndReadsThePrefixFromConfig(name: String, path: String) async throws {
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        try await plugin.initialize(config: [("prefix", ">> ")])
        let response = try await plugin.process(ProcessRequest(input: "hello wörld", options: [("mode", "uppercase")]))
        #expect(response == ProcessResponse(output: ">> HELLO WöRLD", success: true, errorMessage: nil))
    }

    @Test(arguments: plugins)
    func processCountsWordsWithTheLastModeWinning(name: String, path: String) async throws {
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        try await plugin.initialize(config: [])
        let response = try await plugin.process(
            ProcessRequest(input: " one two\tthree\n", options: [("mode", "uppercase"), ("mode", "wordcount")]))
        #expect(response == ProcessResponse(output: "3", success: true))
        let empty = try await plugin.process(ProcessRequest(input: "", options: [("mode", "wordcount")]))
        #expect(empty.output == "0")
    }

    @Test(arguments: plugins)
    func unknownModeIsAFailedResponseNotAnError(name: String, path: String) async throws {
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        let response = try await plugin.process(ProcessRequest(input: "x", options: [("mode", "shout")]))
        #expect(response == ProcessResponse(output: "", success: false, errorMessage: "unknown mode: shout"))
    }

    @Test(arguments: plugins)
    func processEmitsAnEventToSubscribers(name: String, path: String) async throws {
        let host = PluginHost()
        let events = host.events()
        let plugin = try await host.load(path: path)
        _ = try await plugin.process(ProcessRequest(input: "abc", options: [("mode", "wordcount")]))
        var iterator = events.makeAsyncIterator()
        let event = try #require(await iterator.next())
        #expect(event == PluginEvent(plugin: name, version: "1.0.0", type: "processed", payload: "wordcount"))
    }

    @Test(arguments: plugins)
    func initializeErrorComesBackAsATypedError(name: String, path: String) async throws {
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        let error = try await #require(throws: PlugboardError.self) { try await plugin.initialize(config: [("fail", "yes")]) }
        #expect(error.code == .pluginReportedError)
        #expect(error.plugin == "\(name)@1.0.0")
        #expect(error.description.contains("initialize failed: requested by config"))
    }

    @Test(arguments: plugins)
    func shutdownLogsAndUnloadMakesLaterCallsFail(name: String, path: String) async throws {
        let (logger, logs) = RecordingLogHandler.logger()
        let host = PluginHost(logger: logger)
        let plugin = try await host.load(path: path)
        try await plugin.initialize(config: [])
        try await plugin.shutdown()
        #expect(logs.all.contains { $0.message == "shutting down" && $0.level == .info })
        try await host.unload(name)
        let error = try await #require(throws: PlugboardError.self) { try await plugin.metadata() }
        #expect(error.code == .pluginUnloaded)
        await #expect(throws: PlugboardError.self) { try await host.plugin(named: name) }
    }

    @Test func cPluginStandardErrorIsCapturedIntoTheLog() async throws {
        let (logger, logs) = RecordingLogHandler.logger()
        let host = PluginHost(logger: logger)
        let plugin = try await host.load(path: Repository.cPlugin)
        try await plugin.initialize(config: [])
        let line = try #require(logs.all.first { $0.message == "text-transform-c: initialized" })
        #expect(line.metadata["plugin.stream"] == "stderr")
        #expect(line.metadata["plugin.name"] == "text-transform-c")
    }
}
