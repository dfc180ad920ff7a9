import Plugboard
import PlugboardTesting
import Testing
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// Host work a guest can ask for through WASI and the default world's imports is bounded per call, whatever
/// counts and lengths the guest passes: iovec arrays, random bytes, event and log sizes, subscriber buffers.
@Suite struct HostInputBoundsTests {
    static let wasiWrite = #"(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))"#
    static let wasiRandom = #"(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))"#

    /// Runs `process` once on a fresh host and returns the output's bytes.
    static func processOutput(_ plugin: HostilePlugin, capabilities: PluginCapabilities = PluginCapabilities()) async throws -> [UInt8] {
        let host = PluginHost()
        let loaded = try await host.load(bytes: plugin.bytes, name: plugin.name, options: .init(capabilities: capabilities))
        let response = try await loaded.process(ProcessRequest(input: "x"))
        return Array(response.output.utf8)
    }

    static func littleEndian(_ bytes: [UInt8]) -> UInt32 {
        bytes.prefix(4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }

    @Test func fdWriteWithMoreIovecsThanIOVMaxIsEINVAL() async throws {
        var plugin = HostilePlugin(name: "many-iovecs")
        plugin.imports = [Self.wasiWrite]
        // 1,025 zero-length iovecs at 8192; the errno becomes the output's one byte.
        plugin.process = """
            (i32.store8 (i32.const 2048) (call $fd_write (i32.const 1) (i32.const 8192) (i32.const 1025) (i32.const 2052)))
            (call $respond (i32.const 2048) (i32.const 1))
            """
        #expect(try await Self.processOutput(plugin) == [28])  // EINVAL, like writev past IOV_MAX
    }

    /// Output goes to the log a pipe's worth at a time: a 16 MiB write to stdout is a short write of 64 KiB.
    @Test func oneWriteToStdoutTakesAtMost64KiBAndReportsAShortWrite() async throws {
        var plugin = HostilePlugin(name: "big-write")
        plugin.imports = [Self.wasiWrite]
        // One iovec of 16 MiB at 65536 (memory grown to fit); nwritten (4 bytes) becomes the output.
        plugin.process = """
            (drop (memory.grow (i32.const 257)))
            (i32.store (i32.const 8192) (i32.const 65536))
            (i32.store offset=4 (i32.const 8192) (i32.const 16777216))
            (drop (call $fd_write (i32.const 1) (i32.const 8192) (i32.const 1) (i32.const 2048)))
            (call $respond (i32.const 2048) (i32.const 4))
            """
        let output = try await Self.processOutput(plugin, capabilities: PluginCapabilities(stdio: .discard))
        #expect(Self.littleEndian(output) == 64 << 10)
    }

    @Test func randomGetFillsALargeBufferFromTheSystemGenerator() async throws {
        var plugin = HostilePlugin(name: "big-random")
        plugin.imports = [Self.wasiRandom]
        // 31 MiB of random bytes at 65536; the output is the errno and the first 15 random bytes, each ORed into
        // the printable range so the output is valid UTF-8.
        plugin.processLocals = "(local $i i32)"
        plugin.process = """
            (drop (memory.grow (i32.const 496)))
            (i32.store8 (i32.const 2048) (call $random_get (i32.const 65536) (i32.const 32505856)))
            (loop $copy
              (i32.store8 (i32.add (i32.const 2049) (local.get $i))
                (i32.or (i32.const 64) (i32.and (i32.load8_u (i32.add (i32.const 65536) (local.get $i))) (i32.const 31))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $copy (i32.lt_u (local.get $i) (i32.const 15))))
            (call $respond (i32.const 2048) (i32.const 16))
            """
        let output = try await Self.processOutput(plugin, capabilities: PluginCapabilities(allowsRandom: true))
        #expect(output.first == 0)  // success
        #expect(Set(output.dropFirst()).count > 1, "15 random bytes that are all the same: \(output)")
    }

    @Test func randomGetWithoutTheCapabilityIsEACCES() async throws {
        var plugin = HostilePlugin(name: "denied-random")
        plugin.imports = [Self.wasiRandom]
        plugin.process = """
            (i32.store8 (i32.const 2048) (call $random_get (i32.const 65536) (i32.const 1073741824)))
            (call $respond (i32.const 2048) (i32.const 1))
            """
        #expect(try await Self.processOutput(plugin) == [2])
    }

    @Test func randomGetPastTheEndOfMemoryIsEFAULT() async throws {
        var plugin = HostilePlugin(name: "random-past-end")
        plugin.imports = [Self.wasiRandom]
        plugin.process = """
            (i32.store8 (i32.const 2048) (call $random_get (i32.const 65536) (i32.const 1073741824)))
            (call $respond (i32.const 2048) (i32.const 1))
            """
        #expect(try await Self.processOutput(plugin, capabilities: PluginCapabilities(allowsRandom: true)) == [21])
    }

    @Test func anEventOverTheMessageLimitIsCutAndMarked() async throws {
        var plugin = HostilePlugin(name: "big-event")
        // emit-event("event", <100,000 bytes at 65536>)
        plugin.process = """
            (drop (memory.grow (i32.const 2)))
            (call $host_emit (i32.const 1312) (i32.const 5) (i32.const 65536) (i32.const 100000) (i32.const 256))
            (call $respond (local.get $in) (local.get $in_len))
            """
        let host = PluginHost()
        let events = host.events()
        let loaded = try await host.load(
            bytes: plugin.bytes, name: plugin.name, options: .init(limits: PluginLimits(maxMessageBytes: 1000)))
        _ = try await loaded.process(ProcessRequest(input: "x"))
        var iterator = events.makeAsyncIterator()
        let event = try #require(await iterator.next())
        #expect(event.type == "event")
        #expect(event.payload.hasSuffix(" [cut at 995 bytes]"))
        #expect(event.payload.utf8.count == 995 + " [cut at 995 bytes]".utf8.count)
    }

    @Test func aSubscriberThatNeverReadsHoldsABoundedNumberOfEventsAndBytes() async throws {
        var plugin = HostilePlugin(name: "event-flood")
        // 2,000 events of 60,000 bytes each: 120 MB in all, against a 1 MiB subscriber bound.
        plugin.processLocals = "(local $i i32)"
        plugin.process = """
            (drop (memory.grow (i32.const 1)))
            (loop $next
              (call $host_emit (i32.const 1312) (i32.const 5) (i32.const 65536) (i32.const 60000) (i32.const 256))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 2000))))
            (call $respond (local.get $in) (local.get $in_len))
            """
        let host = PluginHost(configuration: .init(eventBuffer: .init(maxEvents: 10_000, maxBytes: 1 << 20)))
        let events = host.events()
        let loaded = try await host.load(bytes: plugin.bytes, name: plugin.name)
        _ = try await loaded.process(ProcessRequest(input: "x"))
        // 60,000 payload bytes + the event's fixed cost: 17 fit in 1 MiB.
        #expect(events.droppedCount == 2000 - 17)
        var iterator = events.makeAsyncIterator()
        var received = 0
        while received < 17, await iterator.next() != nil { received += 1 }
        #expect(received == 17)
    }
}
