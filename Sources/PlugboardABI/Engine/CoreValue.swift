/// A core WebAssembly value as it crosses the engine boundary (floats as raw bits, so NaN payloads survive).
public enum CoreValue: Hashable, Sendable {
    case i32(UInt32)
    case i64(UInt64)
    case f32(UInt32)
    case f64(UInt64)

    /// The value's core type.
    public var type: CoreType {
        switch self {
        case .i32: .i32
        case .i64: .i64
        case .f32: .f32
        case .f64: .f64
        }
    }

    /// The zero of a core type.
    package static func zero(_ type: CoreType) -> CoreValue {
        switch type {
        case .i32: .i32(0)
        case .i64: .i64(0)
        case .f32: .f32(0)
        case .f64: .f64(0)
        }
    }
}

/// A core WebAssembly number type, the unit of canonical-ABI flattening.
public enum CoreType: String, Hashable, Sendable, CustomStringConvertible {
    case i32, i64, f32, f64

    public var description: String { rawValue }
}

/// A core function signature.
public struct CoreSignature: Hashable, Sendable, CustomStringConvertible {
    public var parameters: [CoreType]
    public var results: [CoreType]

    public init(parameters: [CoreType], results: [CoreType]) {
        self.parameters = parameters
        self.results = results
    }

    /// `(i32, i32) -> i32` as in the WebAssembly text format.
    public var description: String {
        let params = "(\(parameters.map(\.description).joined(separator: ", ")))"
        switch results.count {
        case 0: return "\(params) -> ()"
        case 1: return "\(params) -> \(results[0])"
        default: return "\(params) -> (\(results.map(\.description).joined(separator: ", ")))"
        }
    }
}
