import Logging
import PlugboardTesting
import Plugboard
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// The example plugins implement the default world identically; every behaviour is checked on each, as the core
/// modules in `examples/plugins/` and as what the tests build from their sources: the WAT and the freestanding C
/// example as components, and the freestanding C example's own core module (the components' twin).
@Suite struct ExamplePluginTests {
    /// A plugin under test: its metadata name and how to get its file.
    struct Example: Sendable, CustomTestStringConvertible {
        let name: String
        let source: Source
        enum Source: Sendable { case committed(String), built(ExampleBuild) }

        func path() async throws -> String {
            switch source {
            case .committed(let path): path
            case .built(let build): try await build.path()
            }
        }

        var testDescription: String {
            switch source {
            case .committed(let path): "\(name) (\(path.split(separator: "/").last!))"
            case .built(let build): build.rawValue
            }
        }
    }

    static let plugins: [Example] = [
        Example(name: "text-transform-c", source: .committed(Repository.cPlugin)),
        Example(name: "text-transform-wat", source: .committed(Repository.watPlugin)),
    ] + ExampleBuild.allCases.map { Example(name: $0.pluginName, source: .built($0)) }

    @Test(arguments: plugins)
    func metadataNamesThePlugin(example: Example) async throws {
        let (name, path) = (example.name, try await example.path())
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        let metadata = try await plugin.metadata()
        #expect(metadata == PluginMetadata(name: name, version: "1.0.0", description: "Uppercases text or counts its words"))
        #expect(plugin.version == "1.0.0")
    }

    @Test(arguments: plugins)
    func initializeLogsThroughTheHostWithPluginMetadata(example: Example) async throws {
        let (name, path) = (example.name, try await example.path())
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
    func processUppercasesAndReadsThePrefixFromConfig(example: Example) async throws {
        let path = try await example.path()
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        try await plugin.initialize(config: [("prefix", ">> ")])
        let response = try await plugin.process(ProcessRequest(input: "hello wörld", options: [("mode", "uppercase")]))
        #expect(response == ProcessResponse(output: ">> HELLO WöRLD", success: true, errorMessage: nil))
    }

    @Test(arguments: plugins)
    func processCountsWordsWithTheLastModeWinning(example: Example) async throws {
        let path = try await example.path()
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        try await plugin.initialize(config: [])
        let response = try await plugin.process(
            ProcessRequest(input: " one two\tthree\n", options: [("mode", "uppercase"), ("mode", "wordcount")]))
        #expect(response == ProcessResponse(output: "3", success: true))
        let empty = try await plugin.process(ProcessRequest(input: "", options: [("mode", "wordcount")]))
        #expect(empty.output == "0")
    }

    /// The dynamic path (`WITValue`s in, `WITValue`s out, any world) answers as the typed one does.
    @Test(arguments: plugins)
    func dynamicCallsAnswerAsTypedOnesDo(example: Example) async throws {
        let path = try await example.path()
        let plugin = try await PluginHost().load(path: path, options: .init(configuration: [("prefix", "# ")]))
        let initialized = try await plugin.call("initialize", interface: "plugin-api", arguments: [.list([.tuple([.string("k"), .string("v")])])])
        #expect(initialized == [.ok(nil)])
        let request = ProcessRequest(input: "dynamic", options: [("mode", "uppercase")])
        let results = try await plugin.call("process", interface: "plugin-api", arguments: [request.witValue])
        #expect(try ProcessResponse(witValue: results[0]) == ProcessResponse(output: "# DYNAMIC", success: true))
        #expect(try ProcessResponse(witValue: results[0]) == (try await plugin.process(request)))
    }

    @Test(arguments: plugins)
    func unknownModeIsAFailedResponseNotAnError(example: Example) async throws {
        let path = try await example.path()
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        let response = try await plugin.process(ProcessRequest(input: "x", options: [("mode", "shout")]))
        #expect(response == ProcessResponse(output: "", success: false, errorMessage: "unknown mode: shout"))
    }

    @Test(arguments: plugins)
    func processEmitsAnEventToSubscribers(example: Example) async throws {
        let (name, path) = (example.name, try await example.path())
        let host = PluginHost()
        let events = host.events()
        let plugin = try await host.load(path: path)
        _ = try await plugin.process(ProcessRequest(input: "abc", options: [("mode", "wordcount")]))
        var iterator = events.makeAsyncIterator()
        let event = try #require(await iterator.next())
        #expect(event == PluginEvent(plugin: name, version: "1.0.0", type: "processed", payload: "wordcount"))
    }

    @Test(arguments: plugins)
    func initializeErrorComesBackAsATypedError(example: Example) async throws {
        let (name, path) = (example.name, try await example.path())
        let host = PluginHost()
        let plugin = try await host.load(path: path)
        let error = try await #require(throws: PlugboardError.self) { try await plugin.initialize(config: [("fail", "yes")]) }
        #expect(error.code == .pluginReportedError)
        #expect(error.plugin == "\(name)@1.0.0")
        #expect(error.description.contains("initialize failed: requested by config"))
    }

    @Test(arguments: plugins)
    func shutdownLogsAndUnloadMakesLaterCallsFail(example: Example) async throws {
        let (name, path) = (example.name, try await example.path())
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
