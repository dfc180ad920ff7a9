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
        .executable(name: "plugboard", targets: ["PlugboardCLI"]),
        .executable(name: "plugboard-benchmarks", targets: ["PlugboardBenchmarks"]),
        .plugin(name: "PlugboardBindgenPlugin", targets: ["PlugboardBindgenPlugin"]),
        .library(name: "PlugboardTesting", targets: ["PlugboardTesting"]),
        .library(name: "PlugboardServer", targets: ["PlugboardServer"]),
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
        .target(
            name: "Plugboard",
            dependencies: [
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
                .product(name: "WIT", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PlugboardServer",
            dependencies: [
                "Plugboard",
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
                "Plugboard",
                "PlugboardServer",
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
                "Plugboard",
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
            dependencies: ["Plugboard"],
            swiftSettings: strictSettings
        ),
        .plugin(
            name: "PlugboardBindgenPlugin",
            capability: .buildTool(),
            dependencies: ["PlugboardBindgenTool"]
        ),
        .target(
            name: "PlugboardTesting",
            dependencies: ["Plugboard"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PlugboardTests",
            dependencies: [
                "Plugboard",
                "PlugboardTesting",
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
        .testTarget(
            name: "GeneratedBindingsTests",
            dependencies: ["Plugboard", "PlugboardTesting"],
            swiftSettings: strictSettings,
            plugins: ["PlugboardBindgenPlugin"]
        ),
        .testTarget(
            name: "PlugboardServerTests",
            dependencies: [
                "PlugboardServer",
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
            dependencies: ["PlugboardCLICommands", "PlugboardCLI", "PlugboardTesting"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
