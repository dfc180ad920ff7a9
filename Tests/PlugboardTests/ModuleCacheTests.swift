import Plugboard
import Synchronization
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// `ModuleCache`: compile once per key, concurrent requests share one compilation, least recently used entries are
/// evicted past the cost limit, and failures are not cached.
@Suite struct ModuleCacheTests {
    final class Compiler: Sendable {
        private let count = Atomic<Int>(0)
        var compilations: Int { count.load(ordering: .relaxed) }
        func compile(_ value: String) -> String {
            count.add(1, ordering: .relaxed)
            return value.uppercased()
        }
    }

    static func key(_ digest: String) -> ModuleCache<String>.Key { .init(digest: digest, engine: "test") }

    @Test func theSameKeyCompilesOnceEvenWhenRequestedConcurrently() async throws {
        let cache = ModuleCache<String>(costLimit: 1_000)
        let compiler = Compiler()
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { try await cache.value(for: Self.key("a"), cost: 10) { compiler.compile("a") } }
            }
            for try await value in group { #expect(value == "A") }
        }
        #expect(compiler.compilations == 1)
        let statistics = await cache.statistics
        #expect(statistics.misses == 1)
        #expect(statistics.hits == 7)
        // Another engine is another key.
        _ = try await cache.value(for: .init(digest: "a", engine: "other"), cost: 10) { compiler.compile("a") }
        #expect(compiler.compilations == 2)
    }

    @Test func theLeastRecentlyUsedEntryIsEvictedPastTheCostLimit() async throws {
        let cache = ModuleCache<String>(costLimit: 30)
        let compiler = Compiler()
        for digest in ["a", "b", "c"] { _ = try await cache.value(for: Self.key(digest), cost: 10) { compiler.compile(digest) } }
        _ = try await cache.value(for: Self.key("a"), cost: 10) { compiler.compile("a") }  // a is now the most recent
        _ = try await cache.value(for: Self.key("d"), cost: 10) { compiler.compile("d") }  // evicts b, not a
        #expect(compiler.compilations == 4)
        _ = try await cache.value(for: Self.key("a"), cost: 10) { compiler.compile("a") }
        #expect(compiler.compilations == 4)
        _ = try await cache.value(for: Self.key("b"), cost: 10) { compiler.compile("b") }
        #expect(compiler.compilations == 5)
        let statistics = await cache.statistics
        #expect(statistics.entries == 3)
        #expect(statistics.cost == 30)
        #expect(statistics.evictions == 2)
    }

    @Test func aFailedCompilationIsNotCached() async throws {
        struct Broken: Error {}
        let cache = ModuleCache<String>(costLimit: 100)
        await #expect(throws: Broken.self) { try await cache.value(for: Self.key("x"), cost: 1) { throw Broken() } }
        #expect(try await cache.value(for: Self.key("x"), cost: 1) { "fixed" } == "fixed")
    }
}
