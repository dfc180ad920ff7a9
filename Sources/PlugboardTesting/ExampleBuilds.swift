import Foundation

/// The example plugins as their authors would also ship them, built from source once per test process:
/// the WAT example and the freestanding C example as components (`wasm-tools component embed` + `component new`
/// against `wit/`), and the freestanding C example as the core module it is made from.
///
/// The committed `examples/plugins/text-transform-c/plugin.wasm` imports WASI preview 1 (its `initialize` writes to
/// stderr): as a component, the WASI adapter turns those imports into WASI 0.2 ones, which Plugboard serves.
/// Compiled with `-DTEXT_TRANSFORM_FREESTANDING` it imports nothing but the world's `host-api`, so it and its
/// component are exact twins.
public enum ExampleBuild: String, CaseIterable, Sendable {
    /// `examples/plugins/text-transform-wat/plugin.wat` as a component.
    case watComponent = "text-transform-wat.component"
    /// `examples/plugins/text-transform-c/plugin.c` built freestanding, as a core module.
    case cFreestandingModule = "text-transform-c.freestanding"
    /// The same freestanding core module as a component.
    case cFreestandingComponent = "text-transform-c.component"
    /// The committed wasi-libc core module as a component importing WASI 0.2 (through the reactor adapter).
    case cWASIComponent = "text-transform-c.wasi-component"
    /// `examples/plugins/text-transform-python/app.py` built with componentize-py: CPython and the app in one
    /// component (~18 MB) importing WASI 0.2.
    case python = "text-transform-python.component"

    /// The plugin's name, as its `get-metadata` gives it.
    public var pluginName: String {
        switch self {
        case .watComponent: "text-transform-wat"
        case .python: "text-transform-python"
        default: "text-transform-c"
        }
    }

    /// Whether the built file is a component.
    public var isComponent: Bool { self != .cFreestandingModule }

    /// The built file's path (built on first use, then reused by every test of the process).
    /// - Throws: ``CEchoGuest/Failure`` or ``WasmTools/Failure`` when a toolchain is missing or refuses the source.
    public func path() async throws -> String { try await ExampleBuilds.shared.path(of: self) }

    /// The built file's bytes.
    public func bytes() async throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: try await path()))) }
}

/// Builds each ``ExampleBuild`` once (concurrent callers wait for the same build) into a directory of this process.
actor ExampleBuilds {
    static let shared = ExampleBuilds()

    private let directory = ProcessScratch.directory.appendingPathComponent("example-builds")
    private var builds: [ExampleBuild: Task<String, any Error>] = [:]

    func path(of build: ExampleBuild) async throws -> String {
        if let task = builds[build] { return try await task.value }
        let task = Task { try await make(build) }
        builds[build] = task
        return try await task.value
    }

    private func make(_ build: ExampleBuild) async throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = directory.appendingPathComponent(build.rawValue + ".wasm").path
        let wit = SourceTree.path("wit")
        let bytes: [UInt8]
        switch build {
        case .watComponent:
            bytes = try await WasmTools.component(
                wit: wit, world: "plugin-world", core: SourceTree.path("examples/plugins/text-transform-wat/plugin.wat"))
        case .cFreestandingModule:
            let example = SourceTree.path("examples/plugins/text-transform-c")
            try await WasmCC.compile(
                [example + "/plugin.c", example + "/bindings/plugin_world.c"], flags: ["-DTEXT_TRANSFORM_FREESTANDING", "-s"],
                output: output, repositoryRoot: SourceTree.root.path)
            return output
        case .cFreestandingComponent:
            bytes = try await WasmTools.component(wit: wit, world: "plugin-world", core: try await path(of: .cFreestandingModule))
        case .python:
            let result = try await Subprocess.run(SourceTree.path("examples/plugins/text-transform-python/build.sh"), [output])
            guard result.status == 0 else {
                throw WasmTools.Failure("examples/plugins/text-transform-python/build.sh failed (run scripts/setup for componentize-py):\n\(result.stderr)")
            }
            return output
        case .cWASIComponent:
            bytes = try await WasmTools.component(
                wit: wit, world: "plugin-world", core: SourceTree.path("examples/plugins/text-transform-c/plugin.wasm"), adaptingWASI: true)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: output))
        return output
    }
}
