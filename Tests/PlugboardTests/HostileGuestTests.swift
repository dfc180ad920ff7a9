import Plugboard
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// Plugins that break the rules, one misbehaviour each (fixtures in `Fixtures/hostile/*.wat`, each a correct
/// default-world plugin except for what its header comment says).
///
/// Every case must end in a ``PlugboardError`` with the documented code, naming the plugin, with a message that
/// says what happened; the host must survive; and a well-behaved plugin loaded in the same ``PluginHost`` must
/// keep answering `process` correctly afterwards. Where Wasm semantics allow (traps, bad host-call arguments),
/// the hostile plugin itself must stay usable after its failed call.
@Suite struct HostileGuestTests {
    /// A host with the well-behaved WAT example loaded, next to which hostile plugins are loaded.
    struct Bench {
        let host = PluginHost()
        let good: Plugin

        init() async throws {
            good = try await host.load(path: Repository.watPlugin)
        }

        /// Loads `Fixtures/hostile/<name>.wat`; its metadata names it `name`, version 1.0.0.
        func load(_ name: String, configuration: [(key: String, value: String)] = [], limits: PluginLimits = PluginLimits()) async throws -> Plugin {
            let plugin = try await host.load(path: HostileGuestTests.fixture(name), options: .init(configuration: configuration, limits: limits))
            #expect(plugin.name == name)
            return plugin
        }

        /// The well-behaved plugin still answers correctly.
        func expectGoodPluginStillWorks(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let response = try await good.process(ProcessRequest(input: "still here", options: [("mode", "uppercase")]))
            #expect(response == ProcessResponse(output: "STILL HERE", success: true), sourceLocation: sourceLocation)
        }
    }

    static func fixture(_ name: String) -> String {
        Repository.path("Tests/PlugboardTests/Fixtures/hostile/\(name).wat")
    }

    static let processExport = "plugboard:plugin/plugin-api@1.0.0#process"

    static func request(_ input: String) -> ProcessRequest {
        ProcessRequest(input: input, options: [("mode", "uppercase")])
    }

    // MARK: the plugin's canonical ABI: what cabi_realloc and export results say

    @Test func reallocReturningAPointerPastMemoryIsAnABIViolation() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("realloc-out-of-bounds")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request("hello")) }
        #expect(error.code == .abiViolation)
        #expect(error.plugin == "realloc-out-of-bounds@1.0.0")
        #expect(error.function == Self.processExport)
        #expect(error.message.contains("cabi_realloc returned 4294967280"))
        #expect(error.message.contains("past the end"))
        try await bench.expectGoodPluginStillWorks()
    }

    @Test func reallocReturningAMisalignedPointerForTheOptionsListIsAnABIViolation() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("realloc-misaligned")
        for options in [[("mode", "uppercase")], []] {
            let error = try await #require(throws: PlugboardError.self) {
                try await plugin.process(ProcessRequest(input: "hello", options: options))
            }
            #expect(error.code == .abiViolation)
            #expect(error.plugin == "realloc-misaligned@1.0.0")
            #expect(error.message.contains("cabi_realloc"))
            #expect(error.message.contains("aligned to 4"))
            #expect(error.message.contains("list<tuple<string, string>>"))
            try await bench.expectGoodPluginStillWorks()
        }
    }

    /// Legal but adversarial: the host must re-read the memory size after every `cabi_realloc`, not keep a stale view.
    @Test func reallocThatGrowsMemoryOnEveryCallStillGetsCorrectArguments() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("realloc-grows-memory")
        let request = ProcessRequest(input: "grown ", options: [("mode", "ignored"), ("last", "and appended")])
        for _ in 0..<3 {
            #expect(try await plugin.process(request) == ProcessResponse(output: "grown and appended", success: true))
        }
        try await bench.expectGoodPluginStillWorks()
    }

    @Test func outputStringRunningPastTheEndOfMemoryIsAnABIViolation() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("output-past-end")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request("hello")) }
        #expect(error.code == .abiViolation)
        #expect(error.plugin == "output-past-end@1.0.0")
        #expect(error.message.contains("with length 65536, past the end of its 65536-byte memory"))
        try await bench.expectGoodPluginStillWorks()
    }

    @Test func outputThatIsNotUTF8IsAnABIViolation() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("output-invalid-utf8")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request("hello")) }
        #expect(error.code == .abiViolation)
        #expect(error.plugin == "output-invalid-utf8@1.0.0")
        #expect(error.message.contains("at 1216 (2 bytes) that is not valid UTF-8"))
        try await bench.expectGoodPluginStillWorks()
    }

    @Test func optionDiscriminantOutOfRangeIsAnABIViolation() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("option-discriminant-7")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request("hello")) }
        #expect(error.code == .abiViolation)
        #expect(error.plugin == "option-discriminant-7@1.0.0")
        #expect(error.message.contains("discriminant 7"))
        #expect(error.message.contains("2 cases"))
        try await bench.expectGoodPluginStillWorks()
    }

    // MARK: traps

    @Test func unreachableInInitializeIsATrapNamingTheExport() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("initialize-unreachable")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.initialize(config: [("a", "b")]) }
        #expect(error.code == .trap)
        #expect(error.plugin == "initialize-unreachable@1.0.0")
        #expect(error.function == "plugboard:plugin/plugin-api@1.0.0#initialize")
        #expect(error.message.contains("unreachable"))
        #expect(error.isGuestFault)
        try await bench.expectGoodPluginStillWorks()
        #expect(try await plugin.process(Self.request("after")) == ProcessResponse(output: "after", success: true))
    }

    @Test(arguments: [("boom", "unreachable executed"), ("divide", "integer divide by zero")])
    func trapInProcessLeavesThePluginUsable(input: String, reason: String) async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("process-traps-on-boom")
        #expect(try await plugin.process(Self.request("before")) == ProcessResponse(output: "before", success: true))
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request(input)) }
        #expect(error.code == .trap)
        #expect(error.plugin == "process-traps-on-boom@1.0.0")
        #expect(error.function == Self.processExport)
        #expect(error.message.contains(reason))
        try await bench.expectGoodPluginStillWorks()
        #expect(try await plugin.process(Self.request("after")) == ProcessResponse(output: "after", success: true))
    }

    @Test func reallocTrappingWhileTheHostLowersGetConfigsResultIsATrap() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("realloc-traps-in-get-config", configuration: [("prefix", ">> ")])
        #expect(try await plugin.process(Self.request("before")) == ProcessResponse(output: ">> before", success: true))
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request("boom")) }
        #expect(error.code == .trap)
        #expect(error.plugin == "realloc-traps-in-get-config@1.0.0")
        #expect(error.function == Self.processExport)
        #expect(error.message.contains("unreachable"))
        try await bench.expectGoodPluginStillWorks()
        #expect(try await plugin.process(Self.request("after")) == ProcessResponse(output: ">> after", success: true))
    }

    @Test func unboundedRecursionIsAStackOverflowThatSaysHowToRaiseTheLimit() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("stack-overflow")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request("recurse")) }
        #expect(error.code == .stackOverflow)
        #expect(error.plugin == "stack-overflow@1.0.0")
        #expect(error.function == Self.processExport)
        #expect(error.message.contains("stack overflow"))
        #expect(error.message.contains("512 KiB"))
        #expect(error.hint?.contains("PluginLimits.stackBytes") == true)
        #expect(error.description.contains("`stack-kb`"))
        try await bench.expectGoodPluginStillWorks()
        #expect(try await plugin.process(Self.request("after")) == ProcessResponse(output: "after", success: true))
    }

    // MARK: host calls

    /// Prints the time, asserts none. Each call re-enters the guest (`cabi_realloc` for the returned value), and
    /// WasmKit ends every nested invocation by throwing, which swift-testing answers by capturing a backtrace:
    /// set `SWT_SWIFT_ERROR_BACKTRACING_ENABLED=0` to leave that cost out of the measurement.
    @Test func aMillionHostCallsInOneProcessCallComplete() async throws {
        let bench = try await Bench()
        // No deadline: a loaded debug build can take more than the default 30 s.
        let plugin = try await bench.load("million-host-calls", configuration: [("prefix", "x")], limits: PluginLimits(timeout: nil))
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await plugin.process(Self.request("go"))
        let elapsed = clock.now - start
        print("million-host-calls: 1,000,000 get-config calls in one process call took \(elapsed)")
        #expect(response == ProcessResponse(output: "1000000", success: true))
        try await bench.expectGoodPluginStillWorks()
    }

    @Test func logMessageWithAStringPastMemoryIsAnABIViolationInsideTheHostCall() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("log-message-out-of-bounds")
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request("bad")) }
        #expect(error.code == .abiViolation)
        #expect(error.plugin == "log-message-out-of-bounds@1.0.0")
        #expect(error.function == Self.processExport)
        #expect(error.message.contains("at 4294967040 with length 16, past the end"))
        try await bench.expectGoodPluginStillWorks()
        #expect(try await plugin.process(Self.request("after")) == ProcessResponse(output: "after", success: true))
    }

    @Test func getConfigWithAReturnPointerPastMemoryIsAnABIViolationInsideTheHostCall() async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("get-config-bad-retptr", configuration: [("prefix", "configured")])
        let error = try await #require(throws: PlugboardError.self) { try await plugin.process(Self.request("bad")) }
        #expect(error.code == .abiViolation)
        #expect(error.plugin == "get-config-bad-retptr@1.0.0")
        #expect(error.function == Self.processExport)
        #expect(error.message.contains("the return area at 4294967280"))
        #expect(error.message.contains("past the end"))
        try await bench.expectGoodPluginStillWorks()
        #expect(try await plugin.process(Self.request("after")) == ProcessResponse(output: "configured", success: true))
    }

    // MARK: WASI

    /// The errno fd_write returns to the guest: 0 for a correct iovec, 21 (EFAULT) for a bad one, never a crash.
    @Test(arguments: [("array", "21"), ("buffer", "21"), ("fine", "0")])
    func fdWriteWithABadIovecReturnsEFAULTToTheGuest(input: String, errno: String) async throws {
        let bench = try await Bench()
        let plugin = try await bench.load("wasi-bad-iovec")
        #expect(try await plugin.process(Self.request(input)) == ProcessResponse(output: errno, success: true))
        try await bench.expectGoodPluginStillWorks()
    }

    // MARK: loading

    @Test func anEmptyComponentIsRefusedForTheExportsItLacks() async throws {
        let bench = try await Bench()
        let error = try await #require(throws: PlugboardError.self) {
            try await bench.host.load(bytes: [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00], name: "component")
        }
        #expect(error.plugin == "component")
        #expect(error.message.contains("the plugin does not export 'plugboard:plugin/plugin-api@1.0.0#initialize'"))
        try await bench.expectGoodPluginStillWorks()
    }

    @Test(arguments: [
        ("not-wasm", [0xDE, 0xAD, 0xBE, 0xEF, 0xFF, 0x00] as [UInt8], "neither a WebAssembly binary"),
        ("bad-sections", [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0x0F, 0x60], "not a valid WebAssembly module"),
        // A function body of 0 bytes whose local declarations run past it (the screen once trapped on this), and a
        // code section whose count runs past the section (both found by the component mutation test).
        ("locals-past-body", [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x0A, 0x07, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "not a valid WebAssembly module"),
        ("count-past-section", [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x0A, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "not a valid WebAssembly module"),
    ])
    func garbageBytesAreAnInvalidModule(name: String, bytes: [UInt8], phrase: String) async throws {
        let bench = try await Bench()
        let error = try await #require(throws: PlugboardError.self) { try await bench.host.load(bytes: bytes, name: name) }
        #expect(error.code == .invalidModule)
        #expect(error.plugin == name)
        #expect(error.message.contains(phrase))
        try await bench.expectGoodPluginStillWorks()
    }

    @Test func anImportTheHostDoesNotProvideIsAnUnknownImportListingWhatItProvides() async throws {
        let bench = try await Bench()
        let error = try await #require(throws: PlugboardError.self) { try await bench.load("unknown-import") }
        #expect(error.code == .unknownImport)
        #expect(error.plugin == "unknown-import")
        #expect(error.message.contains("'env.something'"))
        #expect(error.message.contains("the host provides: plugboard:plugin/host-api@1.0.0.emit-event"))
        #expect(error.message.contains("plugboard:plugin/host-api@1.0.0.get-config"))
        #expect(error.message.contains("wasi_snapshot_preview1.*"))
        try await bench.expectGoodPluginStillWorks()
    }

    @Test func processExportedWithTheWrongSignatureIsAnIncompatibleInterface() async throws {
        let bench = try await Bench()
        let error = try await #require(throws: PlugboardError.self) { try await bench.load("process-wrong-signature") }
        #expect(error.code == .incompatibleInterface)
        #expect(error.plugin == "process-wrong-signature")
        #expect(error.message.contains("exports '\(Self.processExport)' as (i32) -> i32"))
        #expect(error.message.contains("(i32, i32, i32, i32) -> i32"))
        try await bench.expectGoodPluginStillWorks()
    }
}
