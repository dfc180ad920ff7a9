import Foundation
import Testing

/// Row 8 of the brief's errors table: Rust's "future is not Send" (a store moved across threads) is, in Swift, the
/// compiler's data-race checking. A plugin's instance (`CoreInstance`) is not `Sendable`, so code that hands one to
/// another task does not compile, and the error says why; a `Plugin` is `Sendable` and may be shared (its pool lends
/// each instance to one call at a time). Both snippets
/// are compiled against the built `Plugboard` module in Swift 6 mode.
@Suite struct ConcurrencyRuleTests {
    static let movesAnInstance = """
        import Plugboard
        func leak(_ instance: any CoreInstance) async {
            await Task.detached { _ = instance.function(named: "process") }.value
        }
        """

    static let sharesAPlugin = """
        import Plugboard
        func share(_ plugin: Plugin) async throws {
            _ = try await Task.detached { try await plugin.call("process", arguments: []) }.value
        }
        """

    /// Compiles `source` to SIL (where Swift 6 reports data races) against the debug build's modules.
    static func compile(_ source: String) async throws -> ProcessResult {
        let build = URL(fileURLWithPath: Repository.path(".build/debug")).resolvingSymlinksInPath()
        let checkouts = Repository.path(".build/checkouts")
        let files = FileManager.default
        var arguments = ["-emit-sil", "-o", "/dev/null", "-swift-version", "6", "-I", build.appendingPathComponent("Modules").path]
        var provided = Set<String>()
        for entry in try files.contentsOfDirectory(atPath: build.path) where entry.hasSuffix(".build") && !entry.hasSuffix("-tool.build") {
            let map = build.appendingPathComponent(entry).appendingPathComponent("module.modulemap").path
            guard files.fileExists(atPath: map) else { continue }
            arguments += ["-Xcc", "-fmodule-map-file=\(map)"]
            provided.insert(String(entry.dropLast(".build".count)))
        }
        // C modules that ship their own module map (and so have none generated in the build directory).
        let enumerator = files.enumerator(atPath: checkouts)
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix("/module.modulemap"), path.contains("/Sources/") else { continue }
            let map = checkouts + "/" + path
            let text = try String(contentsOfFile: map, encoding: .utf8)
            guard let declaration = text.split(separator: "\n").first(where: { $0.contains("module ") }),
                let name = declaration.split(separator: " ").drop(while: { $0 != "module" }).dropFirst().first,
                !provided.contains(String(name))
            else { continue }
            arguments += ["-Xcc", "-fmodule-map-file=\(map)"]
            provided.insert(String(name))
        }
        return try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("snippet.swift")
            try source.write(to: file, atomically: true, encoding: .utf8)
            return try await runProcess("/usr/bin/env", ["swiftc"] + arguments + [file.path], in: directory)
        }
    }

    @Test func handingAPluginInstanceToAnotherTaskIsACompileTimeDataRaceError() async throws {
        let result = try await Self.compile(Self.movesAnInstance)
        #expect(result.status != 0)
        #expect(result.stderr.contains("risks causing data races"), "stderr: \(result.stderr)")
    }

    @Test func sharingAPluginActorAcrossTasksCompiles() async throws {
        let result = try await Self.compile(Self.sharesAPlugin)
        #expect(result.status == 0, "stderr: \(result.stderr)")
    }
}
