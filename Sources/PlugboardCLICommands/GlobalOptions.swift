import ArgumentParser
import Logging
import Synchronization

/// Options every subcommand takes.
public struct GlobalOptions: ParsableArguments {
    @Option(help: "The lowest level of log line written to stderr (default: info; for exec, warning).")
    public var logLevel: LogLevel?

    @Flag(name: .shortAndLong, help: "Log at debug level (same as --log-level debug), including the plugin's captured stdout and stderr.")
    public var verbose = false

    public init() {}

    /// The level logging runs at: `--verbose` wins over `--log-level`, which wins over info.
    public var effectiveLogLevel: Logger.Level { effectiveLogLevel(default: .info) }

    /// The level logging runs at: `--verbose` wins over `--log-level`, which wins over `defaultLevel` (the
    /// command's own default).
    public func effectiveLogLevel(default defaultLevel: Logger.Level) -> Logger.Level {
        verbose ? .debug : logLevel?.level ?? defaultLevel
    }

    /// Points swift-log at stderr (once per process; only the CLI does this, never the library) and returns
    /// the logger to hand to the library, at the command's `defaultLevel` unless the options say otherwise.
    public func bootstrapLogging(defaultLevel: Logger.Level = .info) -> Logger {
        let level = effectiveLogLevel(default: defaultLevel)
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
