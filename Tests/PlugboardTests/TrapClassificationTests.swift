import Plugboard
@_spi(Fuzzing) import WasmKit
import PlugboardWasmKit
import Testing
import WAT

/// WasmKit 0.4.2 keeps a trap's reason package-private, so ``PlugboardError`` reads it from the trap's text. These
/// tests pin every wording the classification relies on, each with a real trap from the engine: an upgrade that
/// rewords one fails here (and must be explained, not re-blessed) instead of quietly turning a limit into a
/// generic trap.
@Suite struct TrapClassificationTests {
    /// Runs export `run` of `wat` on a WasmKit store with `limits`; returns what it threw.
    static func trap(_ wat: String, limits: InstanceLimits = InstanceLimits(maxMemoryBytes: 1 << 20, stackBytes: 64 << 10)) throws -> PlugboardError {
        let engine = WasmKitEngine()
        let module = try engine.compile(try wat2wasm(wat))
        let store = engine.makeStore(limits: limits)
        store.startCall()
        let instance = try store.instantiate(module, hostFunctions: [])
        let run = try #require(instance.function(named: "run"))
        do {
            _ = try run.call([])
        } catch let error as PlugboardError {
            return error
        }
        Issue.record("run did not trap")
        throw CancellationError()
    }

    @Test func outOfBoundsMemoryAccess() throws {
        let error = try Self.trap(#"(module (memory 1) (func (export "run") (drop (i32.load (i32.const 70000)))))"#)
        #expect(error.code == .outOfBoundsMemoryAccess)
        #expect(error.message.hasPrefix("out of bounds memory access"))
    }

    @Test func callStackExhaustedIsAStackOverflow() throws {
        let error = try Self.trap(#"(module (func $f (export "run") (call $f)))"#)
        #expect(error.code == .stackOverflow)
        #expect(error.message.contains("the 64 KiB interpreter stack"))
        #expect(error.backtrace.count <= 32, "only the first frames are kept, not thousands")
    }

    @Test func outOfFuelIsFuelExhausted() throws {
        let error = try Self.trap(
            #"(module (func (export "run") (loop $l (br $l))))"#,
            limits: InstanceLimits(maxMemoryBytes: 1 << 20, stackBytes: 64 << 10, fuelPerCall: 10_000))
        #expect(error.code == .fuelExhausted)
        #expect(error.message.contains("budget of 10000 fuel units"))
    }

    @Test func unreachableIsATrapThatSaysSo() throws {
        let error = try Self.trap(#"(module (func (export "run") unreachable))"#)
        #expect(error.code == .trap)
        #expect(error.message.contains("unreachable executed"))
    }

    /// Reasons without a code of their own are generic traps that keep WasmKit's reason text.
    @Test(arguments: [
        (#"(module (func (export "run") (drop (i32.div_s (i32.const 1) (i32.const 0)))))"#, "integer divide by zero"),
        (#"(module (func (export "run") (drop (i32.div_s (i32.const -2147483648) (i32.const -1)))))"#, "integer overflow"),
        (#"(module (func (export "run") (drop (i32.trunc_f32_s (f32.const nan)))))"#, "invalid conversion to integer"),
        (#"(module (table 1 funcref) (func (export "run") (call_indirect (i32.const 0))))"#, "indirect call to null element"),
        (#"(module (table 1 funcref) (func (export "run") (call_indirect (i32.const 5))))"#, "out of bounds table access"),
    ])
    func otherTrapsKeepTheirReason(wat: String, reason: String) throws {
        let error = try Self.trap(wat)
        #expect(error.code == .trap)
        #expect(error.message.contains("the plugin trapped: \(reason)"), "\(error.message)")
    }

    /// The limiter's refusals at instantiation, as WasmKit words them (Plugboard checks the module's declared sizes
    /// first, so these texts show only when a limiter refuses what the declarations did not show).
    @Test func initialSizesOverTheLimiterAreResourceLimits() throws {
        final class Refusing: ResourceLimiter {
            func limitMemoryGrowth(to desired: Int) throws -> Bool { false }
            func limitTableGrowth(to desired: Int) throws -> Bool { false }
        }
        for wat in [#"(module (memory 2))"#, #"(module (table 10 funcref))"#] {
            let module = try parseWasm(bytes: try wat2wasm(wat))
            let store = Store(engine: Engine())
            store.resourceLimiter = Refusing()
            do {
                _ = try module.instantiate(store: store)
                Issue.record("instantiation was not refused: \(wat)")
            } catch {
                let mapped = PlugboardError.fromWasmKit(error, stackSize: 64 << 10, fuelBudget: nil)
                #expect(mapped.code == .memoryLimitExceeded, "\(error)")
                #expect(mapped.message.hasPrefix("resource limit exceeded: initial"), "\(mapped.message)")
            }
        }
    }
}
