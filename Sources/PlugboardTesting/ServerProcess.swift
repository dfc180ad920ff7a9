import Foundation
import Synchronization

/// A `plugboard serve` (or any long-running program) started as a child process: its output is collected as it comes,
/// its port read from its log, its peak memory read from the kernel, and it is stopped with SIGTERM.
public final class ServerProcess: Sendable {
    /// What the process's handlers write, shared with them.
    private final class State: Sendable {
        let output = Mutex<String>("")
        let exited = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
    }

    private let state = State()
    public let pid: Int32

    /// Starts `executable` with `arguments`; its stdout and stderr are collected together.
    public init(_ executable: String, _ arguments: [String], in directory: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let state = self.state
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            let text = String(decoding: data, as: UTF8.self)
            state.output.withLock { collected in
                collected += text
                // Keep the start (the port line) and the recent end; a flood of log lines must not fill the test's memory.
                if collected.utf8.count > 4 << 20 { collected = String(collected.prefix(64 << 10)) + "\n…\n" + String(collected.suffix(1 << 20)) }
            }
        }
        process.terminationHandler = { finished in
            let waiters = state.exited.withLock { exited -> [CheckedContinuation<Int32, Never>] in
                exited.status = finished.terminationStatus
                defer { exited.waiters = [] }
                return exited.waiters
            }
            for waiter in waiters { waiter.resume(returning: finished.terminationStatus) }
        }
        try process.run()
        self.pid = process.processIdentifier
    }

    /// Everything the process printed so far.
    public var log: String { state.output.withLock { $0 } }

    /// Waits (polling every 20 ms, at most `timeout`) until the log matches `pattern`; returns its first capture group.
    public func waitForLog(_ pattern: String, timeout: Duration = .seconds(60)) async throws -> String? {
        let expression = try NSRegularExpression(pattern: pattern)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            let text = log
            if let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: text) else { return "" }
                return String(text[range])
            }
            if state.exited.withLock({ $0.status }) != nil { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The process's peak resident memory so far, in bytes (`VmHWM` of `/proc/<pid>/status`; Linux only).
    public var peakResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes << 10
    }

    /// Sends SIGTERM and waits for the process to exit; returns its status.
    @discardableResult
    public func stop() async -> Int32 {
        kill(pid, SIGTERM)
        return await withCheckedContinuation { continuation in
            let status = state.exited.withLock { exited -> Int32? in
                if let status = exited.status { return status }
                exited.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    deinit {
        if state.exited.withLock({ $0.status }) == nil { kill(pid, SIGKILL) }
    }
}
