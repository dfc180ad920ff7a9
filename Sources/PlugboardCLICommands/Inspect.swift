import ArgumentParser
import Foundation
import Plugboard
import PlugboardHTTPFetch
import PlugboardBindgen

/// `plugboard inspect`: what a plugin file holds and whether it fits a WIT world, without running it.
public struct Inspect: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Show a plugin's size, memory, imports and exports, and whether it matches a WIT world.",
        discussion: """
            Checks the module against the default world plugboard:plugin/plugin-world@1.0.0 (or the world given with \
            --wit and --world) with the same checks the host makes when it loads a plugin. Nothing is run.

            Exit codes:
              0   the file was inspected, whether or not it matches the world (the 'world:' line says)
              1   the file could not be read or parsed, is a component, or the WIT could not be loaded
              64  bad usage
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The plugin file (.wasm or .wat).")
    public var plugin: String

    @Flag(help: "Print the report as one JSON object.")
    public var json = false

    @Option(help: ArgumentHelp("A WIT file or package directory holding the world to check against.", valueName: "dir"))
    public var wit: String?

    @Option(help: ArgumentHelp("The world in the --wit package to check against (default: its only world).", valueName: "name"))
    public var world: String?

    public init() {}

    public func validate() throws {
        if world != nil && wit == nil {
            throw ValidationError("--world needs --wit: the default package has only plugboard:plugin/plugin-world@1.0.0")
        }
    }

    /// The world to check against: the default one unless `--wit` is given.
    public func deriveWorld() throws -> WITWorld {
        guard let wit else { return DefaultWorld.world }
        return try WITPackage.load(path: wit).world(named: world)
    }

    public func run() async throws {
        _ = global.bootstrapLogging()
        let report: InspectionReport
        do {
            let world = try deriveWorld()
            let inspection = try PluginInspection(path: plugin)
            report = InspectionReport(path: plugin, inspection: inspection, world: world, engine: try PluginManifest.discover(beside: plugin)?.engine)
        } catch {
            StandardError.printError(error)
            throw ExitCode.failure
        }
        print(json ? try report.jsonText() : report.text)
    }
}

/// What `plugboard inspect` prints.
struct InspectionReport: Encodable {
    struct Memory: Encodable {
        var initialPages: UInt64
        var initialBytes: UInt64
        var maximumPages: UInt64?
        var maximumBytes: UInt64?
    }

    struct Entry: Encodable {
        /// `module.name` for imports, the export name for exports.
        var name: String
        /// `function`, `memory`, `table`, `global` or `tag`.
        var kind: String
        /// The core signature of a function, e.g. `(i32, i32) -> i32`.
        var signature: String?
    }

    struct WorldMatch: Encodable {
        var name: String
        var matches: Bool
        var error: String?
    }

    var path: String
    var fileSize: Int
    var kind: String
    var moduleSize: Int
    var memory: Memory?
    var imports: [Entry]
    var exports: [Entry]
    var world: WorldMatch
    /// The WIT the binary declares: `import`/`export` lines of interfaces and their functions' WIT signatures.
    var declaredWIT: [String]?
    /// The engine the plugin runs on: its manifest's `engine`, else the default.
    var engine: String

    static let pageSize: UInt64 = 65_536

    init(path: String, inspection: PluginInspection, world: WITWorld, engine: PluginEngine?) {
        let module = inspection.module
        self.engine = (engine ?? .processDefault).rawValue
        self.path = path
        self.fileSize = inspection.fileSize
        self.kind = inspection.kind.rawValue + (inspection.isText ? " (assembled from WebAssembly text)" : "")
        self.moduleSize = module.byteCount
        self.memory = module.memory.map { limits in
            Memory(
                initialPages: limits.minimumPages, initialBytes: limits.minimumPages * Self.pageSize,
                maximumPages: limits.maximumPages, maximumBytes: limits.maximumPages.map { $0 * Self.pageSize })
        }
        self.imports = module.imports.map { entry in
            switch entry.kind {
            case .function(let signature): Entry(name: entry.fullName, kind: "function", signature: signature.description)
            case .memory: Entry(name: entry.fullName, kind: "memory")
            case .table: Entry(name: entry.fullName, kind: "table")
            case .global: Entry(name: entry.fullName, kind: "global")
            case .tag: Entry(name: entry.fullName, kind: "tag")
            }
        }
        self.exports = module.exports.map { entry in
            switch entry.kind {
            case .function(let signature): Entry(name: entry.name, kind: "function", signature: signature.description)
            case .memory: Entry(name: entry.name, kind: "memory")
            case .table: Entry(name: entry.name, kind: "table")
            case .global: Entry(name: entry.name, kind: "global")
            case .tag: Entry(name: entry.name, kind: "tag")
            }
        }
        self.declaredWIT = inspection.declaredWIT.map { declared in
            var lines: [String] = []
            for (direction, interfaces) in [("import", declared.imports), ("export", declared.exports)] {
                for interface in interfaces {
                    if let name = interface.name {
                        lines.append("\(direction) \(name)" + (interface.functions.isEmpty ? " (no function used)" : ""))
                        lines += interface.functions.map { "  \($0.name): \($0.signature)" }
                    } else {
                        lines += interface.functions.map { "\(direction) \($0.name): \($0.signature)" }
                    }
                }
            }
            return lines
        }
        switch inspection.compatibility(with: world) {
        case .success: self.world = WorldMatch(name: world.qualifiedName, matches: true)
        case .failure(let error): self.world = WorldMatch(name: world.qualifiedName, matches: false, error: error.description)
        }
    }

    var text: String {
        var lines = ["file: \(path)", "size: \(fileSize) bytes", "kind: \(kind)", "engine: \(engine)"]
        if moduleSize != fileSize { lines.append("module size: \(moduleSize) bytes") }
        if let memory {
            let maximum = memory.maximumPages.map { "\($0) pages (\(memory.maximumBytes ?? 0) bytes)" } ?? "none"
            lines.append("memory: initial \(memory.initialPages) pages (\(memory.initialBytes) bytes), maximum \(maximum)")
        } else {
            lines.append("memory: none")
        }
        lines.append("imports (\(imports.count)):")
        lines += imports.map { "  \($0.name): \($0.signature ?? $0.kind)" }
        lines.append("exports (\(exports.count)):")
        lines += exports.map { "  \($0.name): \($0.signature ?? $0.kind)" }
        if let declaredWIT {
            lines.append("wit (declared by the binary):")
            lines += declaredWIT.map { "  " + $0 }
        }
        if world.matches {
            lines.append("world: \(world.name) ✓ matches")
        } else {
            lines.append("world: \(world.name) ✗ does not match: \(world.error ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
