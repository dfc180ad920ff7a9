import PlugboardABI
/// Manifest and capability messages (kept beside the manifest code; every other message is in
/// `Errors/PlugboardError+Messages.swift`).
extension PlugboardError.Code {
    /// A `plugin.toml` is malformed (syntax, unknown key, wrong type or value) or does not match its plugin
    /// (SHA-256 pin, world).
    public static let invalidManifest = PlugboardError.Code("invalid-manifest")
}

extension PlugboardError {
    package static let manifestHint = "Fix the manifest; its fields are listed in PluginManifest's documentation"

    package static func manifestSyntax(_ file: String, line: Int, column: Int, detail: String) -> PlugboardError {
        PlugboardError(.invalidManifest, "\(file) line \(line), column \(column): invalid TOML: \(detail)", hint: manifestHint)
    }

    package static func manifestUnknownKey(_ file: String, key: String, table: String, line: Int, allowed: [String]) -> PlugboardError {
        PlugboardError(
            .invalidManifest, "\(file) line \(line): unknown key '\(key)' in \(table) (allowed: \(allowed.joined(separator: ", ")))",
            hint: "Remove or rename the key")
    }

    package static func manifestWrongType(_ file: String, key: String, table: String, line: Int, expected: String, got: String) -> PlugboardError {
        PlugboardError(
            .invalidManifest, "\(file) line \(line): '\(key)' in \(table) must be \(expected), not \(got)", hint: manifestHint)
    }

    package static func manifestInvalidValue(_ file: String, key: String, table: String, line: Int, detail: String) -> PlugboardError {
        PlugboardError(.invalidManifest, "\(file) line \(line): '\(key)' in \(table) \(detail)", hint: manifestHint)
    }

    package static func manifestNotReadable(_ path: String, reason: String) -> PlugboardError {
        PlugboardError(.fileNotFound, "cannot read manifest '\(path)': \(reason)", hint: "Check the path and its permissions")
    }

    package static func manifestNoPluginFile(_ manifest: String, directory: String, candidates: [String]) -> PlugboardError {
        if candidates.isEmpty {
            return PlugboardError(
                .invalidManifest, "\(manifest) names no 'wasm' file and there is no .wasm or .wat file in '\(directory)'",
                hint: "Add wasm = \"<file>\" to the manifest or put the plugin beside it")
        }
        return PlugboardError(
            .invalidManifest,
            "\(manifest) names no 'wasm' file and '\(directory)' holds several (\(candidates.joined(separator: ", ")))",
            hint: "Add wasm = \"<file>\" to the manifest")
    }

    package static func manifestHashMismatch(_ manifest: String, file: String, expected: String, actual: String) -> PlugboardError {
        PlugboardError(
            .invalidManifest,
            "refusing to load '\(file)': \(manifest) pins sha256 \(expected) but the file's sha256 is \(actual)",
            hint: "Load the file the manifest was written for, or update its sha256 pin to \(actual) if the new file is trusted")
    }

    package static func manifestWorldMismatch(_ manifest: String, declared: String, host: String) -> PlugboardError {
        PlugboardError(
            .invalidManifest, "\(manifest) declares world \(declared) but this host serves \(host)",
            hint: "Load the plugin in a host configured for its world, or rebuild it for \(host)")
    }

    package static func unknownCapability(_ text: String) -> PlugboardError {
        PlugboardError(
            .invalidArgument, "unknown capability '\(text)' (known: \(Capability.knownNames.joined(separator: ", ")))",
            hint: "Use one of the known capabilities")
    }
}
