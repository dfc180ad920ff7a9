import ArgumentParser
import Logging
import Synchronization

/// Options every subcommand takes.
public struct GlobalOptions: ParsableArguments {
    @Option(help: "The lowest level of log line written to stderr.")
    public var logLevel: LogLevel = .info

    @Flag(name: .shortAndLong, help: "Log at debug level (same as --log-level debug), including the plugin's captured stdout and stderr.")
    public var verbose = false

    public init() {}

    /// The level logging runs at: `--verbose` wins over `--log-level`.
    public var effectiveLogLevel: Logger.Level { verbose ? .debug : logLevel.level }

    /// Points swift-log at stderr (once per process; only the CLI does this, never the library) and returns
    /// the logger to hand to the library.
    public func bootstrapLogging() -> Logger {
        let level = effectiveLogLevel
        Self.bootstrapped.withLock { done in
            guard !done else { return }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            done = true
        }
        var logger = Logger(label: "plugboard")
        logger.logLevel = level
        return logger
    }

    private static let bootstrapped = Mutex(false)
}

/// A swift-log level as a command-line value.
public enum LogLevel: String, CaseIterable, Sendable, ExpressibleByArgument {
    case trace, debug, info, notice, warning, error, critical

    public var level: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
