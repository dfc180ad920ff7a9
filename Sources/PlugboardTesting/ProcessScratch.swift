import Foundation

/// A directory for the files a test process makes (built guests, plugin folders), removed when the process exits, so
/// a test run leaves nothing behind in the temporary directory (the Python example alone is 18 MB a run).
public enum ProcessScratch {
    /// The process's scratch directory, made on first use.
    public static let directory: URL = {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("plugboard-test-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ProcessScratch.directory) }
        return directory
    }()

    /// A new, empty directory inside ``directory`` whose name starts with `prefix`.
    public static func makeDirectory(_ prefix: String) throws -> URL {
        let made = directory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
        return made
    }
}
