import Foundation

/// Diagnostics for humans: everything that is not a command's result goes to stderr.
enum StandardError {
    static func print(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Prints `error: <description>`; the library's descriptions already say what to do.
    static func printError(_ error: any Error) {
        print("error: \(error)")
    }
}
