// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Plugboard",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .library(name: "Plugboard", targets: ["Plugboard"]),
        .library(name: "PlugboardABI", targets: ["PlugboardABI"]),
        .library(name: "PlugboardComponents", targets: ["PlugboardComponents"]),
        .library(name: "PlugboardManifest", targets: ["PlugboardManifest"]),
        .library(name: "PlugboardRuntime", targets: ["PlugboardRuntime"]),
        .library(name: "PlugboardHTTPFetch", targets: ["PlugboardHTTPFetch"]),
        .library(name: "PlugboardRegistry", targets: ["PlugboardRegistry"]),
        .library(name: "PlugboardBindgen", targets: ["PlugboardBindgen"]),
        .library(name: "PlugboardServer", targets: ["PlugboardServer"]),
        .library(name: "PlugboardTesting", targets: ["PlugboardTesting"]),
        .executable(name: "plugboard", targets: ["PlugboardCLI"]),
        .executable(name: "plugboard-benchmarks", targets: ["PlugboardBenchmarks"]),
        .plugin(name: "PlugboardBindgenPlugin", targets: ["PlugboardBindgenPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The layers, lowest first. A target may depend only on targets above it in this list; the compiler refuses
        // anything else (an import of a target not listed as a dependency fails under
        // `--explicit-target-dependency-import-check error`, which scripts/test passes), and scripts/check-layers
        // checks the list itself. Documentation/Architecture.md draws it.

        // The WIT model, the canonical ABI (lifting and lowering against any engine's memory), the engine protocol
        // and its value types, and the one error type. No engine.
        .target(
            name: "PlugboardABI",
            dependencies: [
                .product(name: "WIT", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"),
            ],
            swiftSettings: strictSettings
        ),
        // Components: the binary format parsed and bounded (next: types resolved, flattened into core
        // instantiation steps). No engine: the steps run on any engine behind the engine protocol.
        .target(
            name: "PlugboardComponents",
            dependencies: ["PlugboardABI"],
            swiftSettings: strictSettings
        ),
        // The embedded engine: WasmKit behind the engine protocol.
        .target(
            name: "PlugboardWasmKit",
            dependencies: [
                "PlugboardABI",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"),
            ],
            swiftSettings: strictSettings
        ),
        // Wasmtime's C API, declared by hand (the PyPI wheel ships no headers) and loaded with dlopen: no link-time
        // dependency, so everything builds and runs without the library.
        .target(
            name: "CWasmtime",
            path: "Sources/CWasmtime",
            linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
        ),
        // The JIT engine: Wasmtime behind the engine protocol, optional at run time.
        .target(
            name: "PlugboardWasmtime",
            dependencies: [
                "PlugboardABI", "CWasmtime",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // `plugin.toml` and the plain data it configures: limits, capabilities, rollout settings. No engine.
        .target(
            name: "PlugboardManifest",
            dependencies: [
                "PlugboardABI",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // Plugins and their host: loading, linking, calls with deadlines and limits, WASI, host functions.
        .target(
            name: "PlugboardRuntime",
            dependencies: [
                "PlugboardABI", "PlugboardManifest", "PlugboardWasmKit", "PlugboardWasmtime", "PlugboardComponents",
                .product(name: "WAT", package: "WasmKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // `outgoing-http`: the allowlisted network fetch host function (AsyncHTTPClient).
        .target(
            name: "PlugboardHTTPFetch",
            dependencies: [
                "PlugboardABI", "PlugboardManifest", "PlugboardRuntime",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Many plugins, each with versions: pools, canaries, rollback, hot reload, persistence, metrics.
        .target(
            name: "PlugboardRegistry",
            dependencies: [
                "PlugboardABI", "PlugboardManifest", "PlugboardRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        // The code generators (C guest, Swift host): used by the CLI and the build plugin, never linked by a host.
        .target(
            name: "PlugboardBindgen",
            dependencies: ["PlugboardABI"],
            swiftSettings: strictSettings
        ),
        // The umbrella: re-exports the common layers.
        .target(
            name: "Plugboard",
            dependencies: ["PlugboardABI", "PlugboardManifest", "PlugboardWasmKit", "PlugboardWasmtime", "PlugboardRuntime", "PlugboardRegistry"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PlugboardServer",
            dependencies: [
                "Plugboard", "PlugboardHTTPFetch",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PlugboardCLICommands",
            dependencies: [
                "Plugboard", "PlugboardHTTPFetch", "PlugboardBindgen", "PlugboardServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PlugboardCLI",
            dependencies: ["PlugboardCLICommands"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PlugboardBenchmarks",
            dependencies: [
                "Plugboard", "PlugboardHTTPFetch",
                "PlugboardTesting",
                "PlugboardServer",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/PlugboardBenchmarks",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PlugboardBindgenTool",
            dependencies: ["PlugboardABI", "PlugboardBindgen"],
            swiftSettings: strictSettings
        ),
        .plugin(
            name: "PlugboardBindgenPlugin",
            capability: .buildTool(),
            dependencies: ["PlugboardBindgenTool"]
        ),
        .target(
            name: "PlugboardTesting",
            dependencies: ["Plugboard", "PlugboardBindgen"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PlugboardTests",
            dependencies: [
                "Plugboard", "PlugboardABI", "PlugboardManifest", "PlugboardWasmKit", "PlugboardRuntime", "PlugboardRegistry",
                "PlugboardHTTPFetch", "PlugboardBindgen", "PlugboardComponents",
                "PlugboardTesting",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        // Rewrites a registry's rollout state in a loop, for the test that kills it mid-save (RolloutPersistenceTests).
        .executableTarget(
            name: "PlugboardStateWriter",
            dependencies: ["Plugboard", "PlugboardTesting"],
            path: "Tests/PlugboardStateWriter",
            swiftSettings: strictSettings
        ),
        // Runs one flood of host input in a process of its own, so HostileFloodTests can assert its peak memory.
        .executableTarget(
            name: "PlugboardFloodProbe",
            dependencies: ["Plugboard", "PlugboardRuntime", "PlugboardTesting"],
            path: "Tests/PlugboardFloodProbe",
            swiftSettings: strictSettings
        ),
        // libFuzzer targets (scripts/fuzz). Each links only the layers it fuzzes, so the sanitizer build stays small
        // (scripts/check-layers holds them to that). A plain build makes each a replayer of saved inputs
        // (`PlugboardFuzzComponent FILE...`); scripts/fuzz builds them with `-sanitize=fuzzer,address
        // -D PLUGBOARD_LIBFUZZER`, where the same `@main` runs libFuzzer (see FuzzDriver).
        .target(
            name: "_CLibFuzzer",
            path: "Fuzz/_CLibFuzzer"
        ),
        .target(
            name: "PlugboardFuzzSupport",
            dependencies: ["PlugboardABI", "_CLibFuzzer"],
            path: "Fuzz/PlugboardFuzzSupport",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PlugboardFuzzComponent",
            dependencies: ["PlugboardABI", "PlugboardComponents", "PlugboardFuzzSupport"],
            path: "Fuzz/PlugboardFuzzComponent",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PlugboardFuzzCanonicalLift",
            dependencies: ["PlugboardABI", "PlugboardFuzzSupport"],
            path: "Fuzz/PlugboardFuzzCanonicalLift",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GeneratedBindingsTests",
            dependencies: ["Plugboard", "PlugboardTesting"],
            swiftSettings: strictSettings,
            plugins: ["PlugboardBindgenPlugin"]
        ),
        .testTarget(
            name: "PlugboardServerTests",
            dependencies: [
                "Plugboard", "PlugboardServer",
                "PlugboardTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PlugboardCLITests",
            dependencies: [
                "Plugboard", "PlugboardCLICommands", "PlugboardCLI", "PlugboardTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
