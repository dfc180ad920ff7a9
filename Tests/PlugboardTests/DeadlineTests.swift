import Foundation
import Plugboard
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// The wall-clock deadline (``PluginLimits/timeout``) and cancellation stop guests that never call the host:
/// a tight loop, and recursion without any loop. `Fixtures/deadline/busy.wat` also checks that running on the
/// fuel-metering engine that makes calls stoppable leaves what the module computes unchanged.
@Suite(.timeLimit(.minutes(3))) struct DeadlineTests {
    static let wit = """
        package test:busy;
        interface host { tick: func(x: u32) -> u32; }
        world busy {
            import host;
            export spin: func();
            export fib: func(n: u32) -> u32;
            export mix: func(n: u32) -> u32;
        }
        """

    static func host() throws -> PluginHost {
        let world = try WITPackage.parse(wit).world(named: "busy")
        let tick = try HostFunction(interface: world.imports[0], function: "tick") { _, arguments in
            guard case .u32(let x) = arguments[0] else { return [.u32(0)] }
            return [.u32(x &+ 1000)]
        }
        return PluginHost(configuration: .init(world: world, hostFunctions: [tick]))
    }

    static let fixture = Repository.path("Tests/PlugboardTests/Fixtures/deadline/busy.wat")

    static func load(_ host: PluginHost, name: String = "busy", timeout: Duration?) async throws -> Plugin {
        try await host.load(path: fixture, options: .init(name: name, limits: PluginLimits(timeout: timeout)))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// One deadline timer serves an instance's calls: armed by the first, it fires while a later call runs whose
    /// deadline has not come, and must then wait for that call's own deadline, neither stopping it early nor
    /// forgetting it.
    @Test func aCallAfterAStreamOfQuickOnesIsStoppedAtItsOwnDeadlineNotAtAnEarlierCallsOne() async throws {
        let host = try Self.host()
        let plugin = try await Self.load(host, timeout: .milliseconds(300))
        let clock = ContinuousClock()
        let first = clock.now
        // Quick calls for 150 ms: the timer armed by the first one fires about 150 ms into the spinning call.
        var quickCalls = 0
        while clock.now - first < .milliseconds(150) {
            #expect(try await plugin.call("fib", arguments: [.u32(5)]) == [.u32(5)])
            quickCalls += 1
        }
        // Timed from the caller's side: the deadline counts from the call's arrival, so the guest itself (timed by
        // lastCallDuration from when it got its instance) runs a little less than 300 ms.
        let called = clock.now
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("spin", arguments: []) }
        let ran = Self.milliseconds(clock.now - called)
        print("DeadlineTests: after \(quickCalls) quick calls, a spinning call with a 300 ms deadline was stopped after \(ran) ms")
        #expect(error.code == .timeout)
        #expect(error.message.hasSuffix("over its wall-clock limit of 300 ms"))
        #expect(ran >= 300, "stopped after \(ran) ms, before its own deadline")
        #expect(try await plugin.call("fib", arguments: [.u32(10)]) == [.u32(55)])
    }

    @Test func aTightLoopWithNoHostCallsIsStoppedAtItsDeadlineAndThePluginAnswersAfterwards() async throws {
        let host = try Self.host()
        let plugin = try await Self.load(host, timeout: .milliseconds(200))
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("spin", arguments: []) }
        let elapsed = Self.milliseconds(clock.now - start)
        // The call's own duration leaves out the test run's scheduling (tests compiling C block threads meanwhile).
        let ran = Self.milliseconds(try #require(await plugin.lastCallDuration))
        print("DeadlineTests: a 200 ms deadline stopped a tight loop after \(ran) ms on the plugin's thread (overshoot \(ran - 200) ms; \(elapsed) ms seen by the caller)")
        #expect(error.code == .timeout)
        #expect(error.plugin == "busy")
        #expect(error.function == "spin")
        #expect(error.message.hasPrefix("plugin timeout: the call was stopped after "))
        #expect(error.message.hasSuffix("over its wall-clock limit of 200 ms"))
        #expect(error.hint?.contains("--timeout-ms N") == true)
        // The deadline counts from the call's arrival (waiting for the instance counts), so the guest itself may run
        // a little less than 200 ms; the caller cannot see the call end before it.
        #expect(elapsed >= 200)
        #expect(ran < 200 + 1000, "a generous bound for a loaded debug build; the closing note reports release figures")
        // The instance was discarded; the next call runs on a fresh one.
        #expect(try await plugin.call("fib", arguments: [.u32(12)]) == [.u32(144)])
    }

    /// The deadline empties the instance's fuel from the timer's thread, racing with the interpreter's own update
    /// of it; `CallInterruption` repeats the write until the call ends. A hundred short deadlines in a row, with and
    /// without a fuel budget, must all stop their loops.
    @Test func aHundredShortDeadlinesInARowAllStopTheirLoops() async throws {
        let host = try Self.host()
        for (name, fuel) in [("unbudgeted", nil), ("budgeted", UInt64(1) << 50)] as [(String, UInt64?)] {
            let plugin = try await host.load(
                path: Self.fixture, options: .init(name: name, limits: PluginLimits(fuelPerCall: fuel, timeout: .milliseconds(5))))
            var longest = 0.0
            for _ in 0..<100 {
                let error = try await #require(throws: PlugboardError.self) { try await plugin.call("spin", arguments: []) }
                #expect(error.code == .timeout)
                longest = max(longest, Self.milliseconds(try #require(await plugin.lastCallDuration)))
            }
            print("DeadlineTests: 100 calls with a 5 ms deadline (\(name)) all stopped; the longest ran \(longest) ms")
            #expect(longest < 1000)
        }
    }

    @Test func recursionWithoutAnyLoopIsStoppedToo() async throws {
        let plugin = try await Self.load(try Self.host(), timeout: .milliseconds(150))
        let error = try await #require(throws: PlugboardError.self) { try await plugin.call("fib", arguments: [.u32(60)]) }
        #expect(error.code == .timeout)
        #expect(error.message.hasSuffix("over its wall-clock limit of 150 ms"))
    }

    @Test func cancellingTheCallingTaskStopsARunningCall() async throws {
        let plugin = try await Self.load(try Self.host(), timeout: .seconds(60))
        let clock = ContinuousClock()
        let start = clock.now
        let call = Task { try await plugin.call("spin", arguments: []) }
        try await Task.sleep(for: .milliseconds(100))
        call.cancel()
        let result = await call.result
        let elapsed = Self.milliseconds(clock.now - start)
        print("DeadlineTests: Task.cancel() after 100 ms stopped a tight loop after \(elapsed) ms")
        guard case .failure(let error as PlugboardError) = result else {
            Issue.record("the call should have failed with PlugboardError, got \(result)")
            return
        }
        #expect(error.code == .cancelled)
        #expect(error.message.hasPrefix("call cancelled: "))
        #expect(elapsed < 30_000)
        #expect(try await plugin.call("fib", arguments: [.u32(10)]) == [.u32(55)])
    }

    @Test func aSpinningPluginDoesNotHoldUpAnotherOne() async throws {
        let host = try Self.host()
        let spinning = try await Self.load(host, name: "spinning", timeout: .milliseconds(800))
        let other = try await Self.load(host, name: "other", timeout: .seconds(5))
        let spin = Task { try await spinning.call("spin", arguments: []) }
        for n in 0..<5 {
            #expect(try await other.call("fib", arguments: [.u32(UInt32(n + 10))]).count == 1)
        }
        guard case .failure(let error as PlugboardError) = await spin.result else {
            Issue.record("spin should have timed out")
            return
        }
        #expect(error.code == .timeout)
    }

    @Test func aStoppablePluginComputesWhatAnUnmeteredOneDoes() async throws {
        let host = try Self.host()
        let plain = try await Self.load(host, name: "plain", timeout: nil)
        let stoppable = try await Self.load(host, name: "stoppable", timeout: .seconds(30))
        // 7 (set by the start function) + f[i % 4](i) for f = [double, square, inc, inc] (elements at 0 and 2,
        // table.init at 3) + double(5) (through a ref.func global) + 1000 (the host's tick).
        func expected(_ n: UInt32) -> UInt32 {
            var sum: UInt32 = 7
            for i in 0..<n {
                switch i % 4 {
                case 0: sum &+= i &* 2
                case 1: sum &+= i &* i
                default: sum &+= i &+ 1
                }
            }
            return sum &+ 10 &+ 1000
        }
        for n: UInt32 in [1, 2, 17, 1000, 100_000] {
            #expect(try await plain.call("mix", arguments: [.u32(n)]) == [.u32(expected(n))])
            #expect(try await stoppable.call("mix", arguments: [.u32(n)]) == [.u32(expected(n))])
        }
        #expect(try await stoppable.call("fib", arguments: [.u32(24)]) == [.u32(46368)])
    }
}
