import Foundation
import PlugboardABI
import PlugboardBindgen

/// Writes Swift host bindings for worlds of one WIT package; run by the `PlugboardBindgenPlugin` build plugin.
///
///     PlugboardBindgenTool <wit-path> (--world <name> --output <file>)... [--wit-label <text>] [--no-import]
///
/// Worlds of one package may share types: each type is declared in the first world's file that uses it, so
/// all the files compile together in one module.
@main
struct PlugboardBindgenTool {
    static func main() {
        do {
            try run(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ arguments: [String]) throws {
        var witPath: String?
        var jobs: [(world: String, output: String)] = []
        var pendingWorld: String?
        var witLabel: String?
        var imports = ["Plugboard"]
        var index = 0
        func value() throws -> String {
            index += 1
            guard index < arguments.count else { throw UsageError("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--world": pendingWorld = try value()
            case "--output":
                guard let world = pendingWorld else { throw UsageError("--output must follow --world") }
                jobs.append((world, try value()))
                pendingWorld = nil
            case "--wit-label": witLabel = try value()
            case "--no-import": imports = []
            case let path where witPath == nil && !path.hasPrefix("--"): witPath = path
            case let other: throw UsageError("unexpected argument '\(other)'")
            }
            index += 1
        }
        guard let witPath, !jobs.isEmpty else {
            throw UsageError("usage: PlugboardBindgenTool <wit-path> (--world <name> --output <file>)... [--wit-label <text>] [--no-import]")
        }
        let package = try WITPackage.load(path: witPath)
        var declared = Set<WITType>()
        for job in jobs {
            let world = try package.world(named: job.world)
            let options = SwiftHostBindgen.Options(
                witPath: witLabel ?? witPath, outputPath: job.output,
                imports: imports, omittedTypes: declared)
            let source = try SwiftHostBindgen.generate(world: world, options: options)
            declared.formUnion(try SwiftHostBindgen.namedTypes(of: world))
            let data = Data(source.utf8)
            // Leave an unchanged file alone, so the build does not recompile it.
            if FileManager.default.contents(atPath: job.output) != data {
                try data.write(to: URL(fileURLWithPath: job.output), options: .atomic)
            }
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
