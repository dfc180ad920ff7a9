import Plugboard
import Testing

/// One instance per plugin, confined to its actor: concurrent calls to one plugin are serialized and all
/// answered correctly, and different plugins are called at the same time.
@Suite struct ConcurrencyTests {
    @Test func concurrentCallsToOnePluginAreAllAnsweredCorrectly() async throws {
        let host = PluginHost()
        let plugin = try await host.load(path: Repository.cPlugin)
        try await plugin.initialize(config: [])
        let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let response = try await plugin.process(ProcessRequest(input: "call \(index)", options: [("mode", "uppercase")]))
                    return (index, response.output)
                }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        for index in 0..<64 { #expect(outputs[index] == "CALL \(index)") }
    }

    @Test func differentPluginsAnswerWhileEachOtherIsBusy() async throws {
        let host = PluginHost()
        let c = try await host.load(path: Repository.cPlugin)
        let wat = try await host.load(path: Repository.watPlugin)
        let long = String(repeating: "word ", count: 20_000)
        async let first = (0..<20).asyncMap { _ in try await c.process(ProcessRequest(input: long, options: [("mode", "wordcount")])).output }
        async let second = (0..<20).asyncMap { _ in try await wat.process(ProcessRequest(input: long, options: [("mode", "wordcount")])).output }
        let (a, b) = try await (first, second)
        #expect(a == Array(repeating: "20000", count: 20))
        #expect(b == Array(repeating: "20000", count: 20))
        #expect(await host.plugins.map(\.name) == ["text-transform-c", "text-transform-wat"])
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
