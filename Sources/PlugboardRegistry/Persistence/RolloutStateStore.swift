import Foundation
import PlugboardABI
import PlugboardManifest
import PlugboardRuntime

/// Reads and atomically saves a ``RolloutState`` as `rollout-state.json` in a state directory: a crash, even a
/// `SIGKILL` in the middle of a save, leaves the last complete state.
package struct RolloutStateStore: Sendable {
    package let directory: String
    package var path: String { directory + "/rollout-state.json" }

    package init(directory: String) {
        self.directory = directory
    }

    /// The saved state, or an empty one when nothing was saved yet. Clears temporary files that saves interrupted
    /// by a crash left behind.
    package func load() throws(RolloutStateError) -> RolloutState {
        AtomicFile.removeTemporaryFiles(of: path)
        let bytes: [UInt8]?
        do {
            bytes = try AtomicFile.read(path)
        } catch {
            throw .unreadable(path, error.description)
        }
        guard let bytes else { return RolloutState() }
        let state: RolloutState
        do {
            state = try Self.decoder.decode(RolloutState.self, from: Data(bytes))
        } catch {
            throw .unreadable(path, "it is not valid rollout-state JSON (\(error))")
        }
        guard state.format == RolloutState.currentFormat else {
            throw .unreadable(path, "it has format \(state.format), and this Plugboard reads format \(RolloutState.currentFormat)")
        }
        return state
    }

    package func save(_ state: RolloutState) throws(RolloutStateError) {
        let data: Data
        do {
            data = try Self.encoder.encode(state)
        } catch {
            throw RolloutStateError(message: "the rollout state could not be encoded: \(error)", hint: nil)
        }
        do {
            try AtomicFile.write(Array(data), to: path)
        } catch {
            throw RolloutStateError(message: "the rollout state could not be saved: \(error)", hint: "Check that '\(directory)' is writable and has space")
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

/// Deployed modules kept by content (`modules/<sha256>.wasm` in the state directory), so a restart can bring
/// back versions that were deployed as bytes or whose files changed since.
package struct ModuleStore: Sendable {
    package let directory: String

    package init(directory: String) {
        self.directory = directory + "/modules"
    }

    package func path(sha256: String) -> String { "\(directory)/\(sha256).wasm" }

    /// Stores `bytes` (once per content) and returns where.
    @discardableResult
    package func put(bytes: [UInt8], sha256: String) throws(RolloutStateError) -> String {
        let target = path(sha256: sha256)
        if FileManager.default.fileExists(atPath: target) { return target }
        do {
            try AtomicFile.write(bytes, to: target)
        } catch {
            throw RolloutStateError(message: "the module \(sha256) could not be stored: \(error)", hint: "Check that '\(directory)' is writable and has space")
        }
        return target
    }

    /// The stored module with this digest, checked against it.
    package func bytes(sha256: String) throws(RolloutStateError) -> [UInt8] {
        let file = path(sha256: sha256)
        let bytes: [UInt8]?
        do {
            bytes = try AtomicFile.read(file)
        } catch {
            throw .unreadable(file, error.description)
        }
        guard let bytes else { throw .unreadable(file, "the module is missing") }
        guard PluginManifest.sha256Hex(bytes) == sha256 else { throw .unreadable(file, "its contents no longer match their SHA-256") }
        return bytes
    }

    /// Deletes stored modules the state no longer refers to.
    package func prune(keeping digests: Set<String>) {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for file in files where file.hasSuffix(".wasm") && !digests.contains(String(file.dropLast(5))) {
            try? FileManager.default.removeItem(atPath: directory + "/" + file)
        }
    }
}
