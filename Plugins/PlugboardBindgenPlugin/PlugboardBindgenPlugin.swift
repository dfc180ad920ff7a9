import Foundation
import PackagePlugin

/// Generates Swift host bindings at build time for the WIT packages of a target.
///
/// Put WIT files in the target's folder: each directory holding `.wit` files is one package (with its `deps/`),
/// e.g. `Sources/MyApp/wit/plugin.wit`. Every world of every package gets a `<package-dir>-<world>.swift` file
/// in the plugin's work directory, compiled into the target. Add the plugin to the target:
///
/// ```swift
/// .target(name: "MyApp", dependencies: [.product(name: "Plugboard", package: "plugboard")],
///         plugins: [.plugin(name: "PlugboardBindgenPlugin", package: "plugboard")])
/// ```
@main
struct PlugboardBindgenPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let witFiles = target.sourceFiles(withSuffix: "wit").map(\.url)
            .filter { !$0.pathComponents.contains("deps") }
        let packages = Dictionary(grouping: witFiles) { $0.deletingLastPathComponent() }
        let tool = try context.tool(named: "PlugboardBindgenTool")
        var commands: [Command] = []
        for directory in packages.keys.sorted(by: { $0.path < $1.path }) {
            let files = packages[directory]!.sorted { $0.path < $1.path }
            let worlds = try files.flatMap { try Self.worldNames(in: String(contentsOf: $0, encoding: .utf8)) }
            guard !worlds.isEmpty else { continue }
            var arguments = [directory.path, "--wit-label", directory.lastPathComponent]
            var outputs: [URL] = []
            for world in worlds {
                let output = context.pluginWorkDirectoryURL.appending(path: "\(directory.lastPathComponent)-\(world).swift")
                arguments += ["--world", world, "--output", output.path]
                outputs.append(output)
            }
            let dependencies = try Self.witFiles(under: directory)
            commands.append(.buildCommand(
                displayName: "Generating Swift bindings for \(worlds.joined(separator: ", ")) from \(directory.lastPathComponent)/",
                executable: tool.url, arguments: arguments, inputFiles: dependencies, outputFiles: outputs))
        }
        return commands
    }

    /// The worlds a WIT file declares (`world name {`), found by reading it line by line: the plugin cannot link
    /// the WIT parser, and the build command must name its output files up front.
    static func worldNames(in text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = code.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "{" })
            guard words.count >= 2, words[0] == "world" else { return nil }
            let name = words[1]
            return String(name.hasPrefix("%") ? name.dropFirst() : name)
        }
    }

    /// Every `.wit` file in a package directory, including `deps/`, so a change to any of them regenerates.
    static func witFiles(under directory: URL) throws -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "wit" }.sorted { $0.path < $1.path }
    }
}
