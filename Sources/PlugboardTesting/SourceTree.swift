import Foundation

/// The repository's root directory, found from this file, for tests and tools that read its files.
public enum SourceTree {
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/PlugboardTesting/SourceTree.swift
        return url
    }()

    /// The absolute path of `relative`, a path inside the repository.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
