import Foundation
import Plugboard
import Testing

/// The identity for every function of `echo`, shared by a synchronous and an `async` implementation.
protocol EchoIdentity {}

extension EchoIdentity {
    func echoBool(context: HostCallContext, x: Bool) -> Bool { x }
    func echoS8(context: HostCallContext, x: Int8) -> Int8 { x }
    func echoU8(context: HostCallContext, x: UInt8) -> UInt8 { x }
    func echoS16(context: HostCallContext, x: Int16) -> Int16 { x }
    func echoU16(context: HostCallContext, x: UInt16) -> UInt16 { x }
    func echoS32(context: HostCallContext, x: Int32) -> Int32 { x }
    func echoU32(context: HostCallContext, x: UInt32) -> UInt32 { x }
    func echoS64(context: HostCallContext, x: Int64) -> Int64 { x }
    func echoU64(context: HostCallContext, x: UInt64) -> UInt64 { x }
    func echoF32(context: HostCallContext, x: Float) -> Float { x }
    func echoF64(context: HostCallContext, x: Double) -> Double { x }
    func echoChar(context: HostCallContext, x: Unicode.Scalar) -> Unicode.Scalar { x }
    func echoString(context: HostCallContext, x: String) -> String { x }
    func echoBytes(context: HostCallContext, x: [UInt8]) -> [UInt8] { x }
    func echoStrings(context: HostCallContext, x: [String]) -> [String] { x }
    func echoPoint(context: HostCallContext, x: Point) -> Point { x }
    func echoItems(context: HostCallContext, x: [Item]) -> [Item] { x }
    func echoTuple(context: HostCallContext, x: (UInt8, String, UInt64)) -> (UInt8, String, UInt64) { x }
    func echoShape(context: HostCallContext, x: Shape) -> Shape { x }
    func echoShapes(context: HostCallContext, x: [Shape]) -> [Shape] { x }
    func echoColor(context: HostCallContext, x: Color) -> Color { x }
    func echoNestedOption(context: HostCallContext, x: UInt32??) -> UInt32?? { x }
    func echoResult(context: HostCallContext, x: WITResult<String, UInt32>) -> WITResult<String, UInt32> { x }
    func echoBareResult(context: HostCallContext, x: WITResult<Void, Void>) -> WITResult<Void, Void> { x }
    func echoErrorOnly(context: HostCallContext, x: WITResult<Void, String>) -> WITResult<Void, String> { x }
    func echoPerms(context: HostCallContext, x: Perms) -> Perms { x }
    func echoTwelve(context: HostCallContext, x: Twelve) -> Twelve { x }
    func echoManyFlags(context: HostCallContext, x: ManyFlags) -> ManyFlags { x }
    func echoMany(
        context: HostCallContext, a: UInt8, b: Int16, c: UInt32, d: Int64, e: Float, f: Double, g: Unicode.Scalar, h: String,
        i: Point, j: Bool, k: UInt64, l: Int32, m: UInt16, n: Int8, o: [UInt8]
    ) -> (UInt8, Int16, UInt32, Int64, Float, Double, Unicode.Scalar, String, Point, Bool, UInt64, Int32, UInt16, Int8, [UInt8]) {
        (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o)
    }
}

/// Implements the generated synchronous imports protocol with the identity.
struct SyncIdentity: EchoWorldSyncImports, EchoIdentity {}

/// Implements the generated `async` imports protocol; `echo-string` sleeps before answering.
struct SleepingIdentity: EchoWorldImports, EchoIdentity {
    func echoString(context: HostCallContext, x: String) async throws -> String {
        try await Task.sleep(for: .milliseconds(10))
        return "slept: " + x
    }
}

/// Bindings generated at build time by `PlugboardBindgenPlugin` from `wit/`: values of every WIT type go
/// exports wrapper → guest (``EchoGuest``) → generated host import → guest → back.
@Suite struct GeneratedBindingsTests {
    static func echo(_ imports: [HostFunction]) async throws -> EchoWorldExports {
        let host = PluginHost(configuration: .init(world: EchoWorld.world, hostFunctions: imports))
        let plugin = try await host.load(bytes: Array(EchoGuest.wat(for: EchoWorld.world.exports[0]).utf8), name: "echo")
        return EchoWorldExports(plugin)
    }

    @Test func generatedWorldEqualsTheParsedOne() throws {
        let parsed = try WITPackage.load(path: Self.witPath("all-types")).world(named: "echo-world")
        #expect(EchoWorld.world == parsed)
        #expect(PluginWorld.world == DefaultWorld.world)
    }

    static func witPath(_ package: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("wit/\(package)").path
    }

    @Test func everyTypeRoundTripsThroughTheGeneratedExportsAndImports() async throws {
        let echo = try await Self.echo(SyncIdentity().hostFunctions())
        for value in [true, false] { #expect(try await echo.echoBool(value) == value) }
        #expect(try await echo.echoS8(.min) == .min)
        #expect(try await echo.echoU8(.max) == .max)
        #expect(try await echo.echoS16(.min) == .min)
        #expect(try await echo.echoU16(.max) == .max)
        #expect(try await echo.echoS32(.min) == .min)
        #expect(try await echo.echoU32(.max) == .max)
        #expect(try await echo.echoS64(.min) == .min)
        #expect(try await echo.echoU64(.max) == .max)
        #expect(try await echo.echoF32(-1.5e38) == -1.5e38)
        #expect(try await echo.echoF32(.infinity) == .infinity)
        #expect(try await echo.echoF64(.pi) == .pi)
        #expect(try await echo.echoChar("🌍") == "🌍")
        #expect(try await echo.echoChar("\u{10FFFF}") == "\u{10FFFF}")
        for text in ["", "héllo wörld 🌍 — ✓", String(repeating: "x", count: 70_000)] {
            #expect(try await echo.echoString(text) == text)
        }
        #expect(try await echo.echoBytes([]) == [])
        #expect(try await echo.echoBytes([0, 255, 7]) == [0, 255, 7])
        #expect(try await echo.echoStrings(["a", "", "ünïcödé"]) == ["a", "", "ünïcödé"])
        let point = Point(x: -3, y: .max)
        #expect(try await echo.echoPoint(point) == point)
        let items = [
            Item(name: "widget", tags: ["b", "a"], note: "fragile", score: 0.25, at: point),
            Item(name: "", tags: [], note: nil, score: -1, at: point),
        ]
        #expect(try await echo.echoItems([]) == [])
        #expect(try await echo.echoItems(items) == items)
        #expect(try await echo.echoTuple((1, "two", .max)) == (1, "two", .max))
        let shapes: [Shape] = [.circle(2.5), .rect(point), .empty, .label("l"), .big(.max), .pair((9, -0.5))]
        for shape in shapes { #expect(try await echo.echoShape(shape) == shape) }
        #expect(try await echo.echoShapes(shapes) == shapes)
        for color in Color.allCases { #expect(try await echo.echoColor(color) == color) }
        for option: UInt32?? in [.none, .some(.none), .some(.some(42))] { #expect(try await echo.echoNestedOption(option) == option) }
        #expect(try await echo.echoResult(.ok("fine")) == .ok("fine"))
        #expect(try await echo.echoResult(.err(404)) == .err(404))
        #expect(try await echo.echoBareResult(.ok).isOK)
        #expect(try await !echo.echoBareResult(.err).isOK)
        #expect(try await echo.echoErrorOnly(.ok).isOK)
        #expect(try await echo.echoErrorOnly(.err("bad")).errValue == "bad")
        for perms: Perms in [[], [.read, .exec], [.read, .write, .exec]] { #expect(try await echo.echoPerms(perms) == perms) }
        #expect(try await echo.echoTwelve([.t0, .t8, .t11]) == [.t0, .t8, .t11])
        #expect(try await echo.echoManyFlags([.b0, .b15, .b16, .b31]) == [.b0, .b15, .b16, .b31])
        let many = try await echo.echoMany(
            200, b: -300, c: 70_000, d: .min, e: 1.5, f: -2.25, g: "ß", h: "spilled", i: point, j: true, k: .max, l: -1, m: 65_535,
            n: -128, o: [1, 2, 3])
        #expect(many.0 == 200 && many.1 == -300 && many.2 == 70_000 && many.3 == .min && many.4 == 1.5 && many.5 == -2.25)
        #expect(many.6 == "ß" && many.7 == "spilled" && many.8 == point && many.9 && many.10 == .max && many.11 == -1)
        #expect(many.12 == 65_535 && many.13 == -128 && many.14 == [1, 2, 3])
    }

    @Test func generatedValuesAreTheDynamicValues() throws {
        let point = Point(x: -3, y: .max)
        #expect(point.witValue == .record(["x": .s32(-3), "y": .s32(Int32.max)]))
        #expect(Shape.pair((9, -0.5)).witValue == .variant(case: "pair", payload: .tuple([.u8(9), .f64(-0.5)])))
        #expect(Perms([.read, .exec]).witValue == .flags(["read", "exec"]))
        #expect(try Item(witValue: Item(name: "n", tags: ["t"], note: nil, score: 1, at: point).witValue).tags == ["t"])
        #expect(Color.green.witValue == .enum("green"))
    }

    @Test func wrongShapesThrowTypeMismatch() {
        for value: WITValue in [.string("x"), .record(["x": .s32(1)]), .record(["x": .s32(1), "y": .string("no")])] {
            #expect { try Point(witValue: value) } throws: { ($0 as? PlugboardError)?.code == .typeMismatch }
        }
        #expect { try Shape(witValue: .variant(case: "hexagon", payload: nil)) } throws: { ($0 as? PlugboardError)?.code == .typeMismatch }
        #expect { try Shape(witValue: .variant(case: "empty", payload: .u8(1))) } throws: { ($0 as? PlugboardError)?.code == .typeMismatch }
        #expect { try Color(witValue: .enum("purple")) } throws: { ($0 as? PlugboardError)?.code == .typeMismatch }
        #expect { try Perms(witValue: .flags(["read", "fly"])) } throws: { ($0 as? PlugboardError)?.code == .typeMismatch }
    }

    @Test func anAsyncHostFunctionReturnsItsValueToTheBlockedGuest() async throws {
        let echo = try await Self.echo(SleepingIdentity().hostFunctions())
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await echo.echoString("hi") == "slept: hi")
        #expect(clock.now - start >= .milliseconds(10))
        // Methods that do not await satisfy the async requirements too.
        #expect(try await echo.echoItems([Item(name: "a", tags: [], score: 0, at: Point(x: 1, y: 2))]).count == 1)
    }

    @Test func namesWithKeywordsAndSharedNamesRoundTripThroughWITValues() throws {
        let entry = Entry(type: "t", default: "d", self_: true, in: [1], witValue_: 7, urlPath: "/x")
        #expect(try Entry(witValue: entry.witValue) == entry)
        #expect(entry.witValue[field: "self"] == .bool(true))
        for event: Event in [.default, .self_("s"), .is(entry), .pair(("a", "b"))] { #expect(try Event(witValue: event.witValue) == event) }
        #expect(Kind.init_.witValue == .enum("init") && Kind.errorKind.rawValue == "error-kind")
        #expect(Mode([.self_, .default]).witValue == .flags(["self", "default"]))
        #expect(StoreError(code: 1, message: "m") != StoreError(code: 2, message: "m"))
        #expect(CacheError(retry: true).witValue == .record(["retry": .bool(true)]))
        #expect(StoreOnly.world.exports == NamesWorld.world.exports.prefix(1).map { $0 })
    }

    /// The build plugin's default-world bindings (shadowing the library's in this module) drive the example WAT plugin.
    @Test func defaultWorldBindingsFromThePluginCallTheExamplePlugin() async throws {
        struct Host: PluginWorldSyncImports {
            func logMessage(context: HostCallContext, level: String, message: String) -> WITResult<Void, String> { .ok }
            func getConfig(context: HostCallContext, key: String) -> String? { key == "prefix" ? "> " : nil }
            func emitEvent(context: HostCallContext, eventType: String, payload: String) -> WITResult<Void, String> { .ok }
        }
        let host = PluginHost(configuration: .init(world: PluginWorld.world, hostFunctions: Host().hostFunctions()))
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/plugins").standardized.path
        let exports = PluginWorldExports(try await host.load(path: examples + "/text-transform-wat/plugin.wat"))
        #expect(try await exports.initialize([("prefix", "> ")]).isOK)
        let response = try await exports.process(ProcessRequest(input: "a b c", options: [("mode", "wordcount")]))
        #expect(response == ProcessResponse(output: "> 3", success: true))
        #expect(try await exports.getMetadata().version == "1.0.0")
        #expect(try await exports.shutdown().isOK)
    }
}
