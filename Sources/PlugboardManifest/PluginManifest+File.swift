import Crypto
import Foundation
import PlugboardABI

extension PluginManifest {
    /// The manifest's conventional file name, looked for beside a plugin file.
    public static let fileName = "plugin.toml"

    /// Reads and parses a manifest file; ``directory`` is set to its directory.
    public init(path: String) throws(PlugboardError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .manifestNotReadable(path, reason: (error as NSError).localizedDescription)
        }
        try self.init(parsing: text, fileName: path)
        directory = (path as NSString).deletingLastPathComponent
    }

    /// The manifest beside `pluginPath` (a plugin file, or a directory holding `plugin.toml`), if there is one.
    public static func discover(beside pluginPath: String) throws(PlugboardError) -> PluginManifest? {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: pluginPath, isDirectory: &isDirectory)
        let directory = exists && isDirectory.boolValue ? pluginPath : (pluginPath as NSString).deletingLastPathComponent
        let candidate = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: candidate) else { return nil }
        return try PluginManifest(path: candidate)
    }

    /// The plugin file the manifest describes: `wasm` relative to its directory, else the only `.wasm` or `.wat`
    /// file there.
    public func pluginPath() throws(PlugboardError) -> String {
        let directory = self.directory.flatMap { $0.isEmpty ? nil : $0 } ?? "."
        if let wasm {
            return wasm.hasPrefix("/") ? wasm : (directory as NSString).appendingPathComponent(wasm)
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".wasm") || $0.hasSuffix(".wat") }.sorted()
        guard files.count == 1 else { throw .manifestNoPluginFile(fileName, directory: directory, candidates: files) }
        return (directory as NSString).appendingPathComponent(files[0])
    }

    /// Checks `bytes` (the plugin file at `path`) against the `sha256` pin, if any.
    public func verify(_ bytes: [UInt8], path: String) throws(PlugboardError) {
        guard let expected = sha256 else { return }
        let actual = Self.sha256Hex(bytes)
        guard actual == expected else { throw .manifestHashMismatch(fileName, file: path, expected: expected, actual: actual) }
    }

    /// Lowercase hexadecimal SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).lowercaseHex
    }
}
