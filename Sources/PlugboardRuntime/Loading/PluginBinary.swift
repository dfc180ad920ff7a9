import Foundation
import WAT
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// The bytes of a plugin as given: a core module, a component, or WebAssembly text.
public struct PluginBinary: Sendable {
    /// The kind of WebAssembly binary.
    public enum Kind: String, Sendable {
        case coreModule = "core module"
        case component = "component"
    }

    /// The binary bytes (WebAssembly text is assembled on load).
    public let bytes: [UInt8]
    public let kind: Kind

    /// Reads a `.wasm` or `.wat` file.
    public init(contentsOf path: String) throws {
        try self.init(bytes: try Self.readFile(path))
    }

    /// The bytes of a plugin file, or an error naming the path and why it could not be read.
    package static func readFile(_ path: String) throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PlugboardError.fileNotReadable(path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Takes binary or text bytes; text (anything not starting with the `\0asm` magic) is assembled as WAT.
    public init(bytes: [UInt8]) throws {
        if bytes.starts(with: [0x00, 0x61, 0x73, 0x6D]) {
            guard bytes.count >= 8 else { throw PlugboardError.invalidModule(detail: "the file ends inside the header") }
            // Core modules have version 1 and layer 0; components version 0x0d and layer 1 (bytes 4-7).
            switch Array(bytes[4..<8]) {
            case [0x01, 0x00, 0x00, 0x00]: self.kind = .coreModule
            case [0x0D, 0x00, 0x01, 0x00]: self.kind = .component
            case let version: throw PlugboardError.unknownBinaryKind(version: version)
            }
            self.bytes = bytes
            return
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PlugboardError.invalidModule(detail: "the file is neither a WebAssembly binary (no \\0asm header) nor UTF-8 text")
        }
        let trimmed = text.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("(") || trimmed.hasPrefix(";;") else {
            throw PlugboardError.invalidModule(detail: "the file is neither a WebAssembly binary (no \\0asm header) nor WebAssembly text")
        }
        if trimmed.hasPrefix("(component") {
            throw PlugboardError.componentGiven()
        }
        try WATScreen.check(text)
        do {
            self.bytes = try wat2wasm(text)
        } catch {
            throw PlugboardError.invalidWAT(detail: "\(error)")
        }
        self.kind = .coreModule
    }
}

extension PluginBinary {
    /// Compiles the binary on `engine`: a core module directly, a component through ``ComponentModule``.
    package func compile(on engine: any WasmEngine) throws -> any CompiledModule {
        switch kind {
        case .coreModule: try engine.compile(bytes)
        case .component: try ComponentModule(bytes: bytes, engine: engine)
        }
    }
}
