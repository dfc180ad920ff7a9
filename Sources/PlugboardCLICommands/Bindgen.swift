import ArgumentParser
import Foundation
import Plugboard
import PlugboardHTTPFetch
import PlugboardBindgen

/// `plugboard bindgen`: generated bindings for a WIT world, for a Swift host or a C guest.
public struct Bindgen: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Generate bindings for a WIT world: Swift for a host app, or C for a plugin.",
        discussion: """
            --host swift writes one Swift file (OUT is a .swift file) with types and typed wrappers for the world.
            --guest c writes <world>.h and <world>.c into the directory OUT (created if needed): C types, \
            cabi_realloc, import wrappers and export trampolines for a plugin built as a core module. Resources \
            are bound as wit-bindgen's C generator binds them (handle types, _new/_rep/_drop_own helpers, a \
            destructor you implement for your own resources); futures and streams are refused.

            The output is deterministic: the same WIT gives byte-identical files, so generated code can be \
            committed and checked for drift.

            Exit codes: 0 written, 1 the WIT could not be loaded or uses unsupported types, 64 bad usage.
            """
    )

    /// The language of host bindings.
    public enum HostLanguage: String, CaseIterable, ExpressibleByArgument, Sendable { case swift }
    /// The language of guest bindings.
    public enum GuestLanguage: String, CaseIterable, ExpressibleByArgument, Sendable { case c }

    @Option(help: "Generate host bindings in this language.")
    public var host: HostLanguage?

    @Option(help: "Generate guest (plugin) bindings in this language.")
    public var guest: GuestLanguage?

    @Argument(help: ArgumentHelp("A WIT file or package directory.", valueName: "wit"))
    public var wit: String

    @Option(help: ArgumentHelp("The world to generate bindings for (default: the package's only world).", valueName: "name"))
    public var world: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("The output: a .swift file for --host swift, a directory for --guest c.", valueName: "path"))
    public var output: String

    public init() {}

    public func validate() throws {
        switch (host, guest) {
        case (nil, nil): throw ValidationError("Pass --host swift or --guest c")
        case (.some, .some): throw ValidationError("Pass only one of --host and --guest")
        default: break
        }
    }

    public func run() async throws {
        do {
            let world = try WITPackage.load(path: wit).world(named: self.world)
            if host == .swift {
                try Self.write(try SwiftHostBindgen.generate(world: world), to: output)
            } else {
                try Self.writeC(try CGuestBindgen.generate(world: world), into: output)
            }
        } catch {
            StandardError.printError(error)
            throw ExitCode.failure
        }
    }

    /// Writes the two C files into `directory`, creating it if needed; returns their paths.
    @discardableResult
    static func writeC(_ bindings: CGuestBindgen.Output, into directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let header = (directory as NSString).appendingPathComponent(bindings.headerName)
        let source = (directory as NSString).appendingPathComponent(bindings.sourceName)
        try write(bindings.header, to: header)
        try write(bindings.source, to: source)
        return [header, source]
    }

    static func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw FileWriteError(description: "could not write \(path): \(error.localizedDescription)")
        }
    }
}

/// A file the command could not write, described for the "error:" line.
struct FileWriteError: Error, CustomStringConvertible {
    var description: String
}
