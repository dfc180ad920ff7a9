/// Reads core values one at a time, coercing joined variant slots back to the type a case expects
/// (`CoerceValueIter` in the canonical ABI). Typed bindings read flat arguments and results through it.
public struct FlatReader {
    private let values: UnsafeBufferPointer<CoreValue>
    private(set) var index = 0

    /// Reads `values`, which must stay valid while the reader is used (a host call's argument buffer, or an
    /// array's storage inside `withUnsafeBufferPointer`).
    package init(_ values: UnsafeBufferPointer<CoreValue>) { self.values = values }

    /// The next value, coerced from its joined slot type to `want`.
    /// - Throws: ``PlugboardError`` (`abiViolation`) when there is none or it cannot be coerced.
    public mutating func next(_ want: CoreType) throws -> CoreValue {
        guard index < values.count else { throw PlugboardError.flatArityMismatch(expected: index + 1, got: values.count) }
        let value = values[index]
        index += 1
        switch (want, value) {
        case (.i32, .i32), (.i64, .i64), (.f32, .f32), (.f64, .f64): return value
        case (.i32, .i64(let v)): return .i32(UInt32(truncatingIfNeeded: v))
        case (.f32, .i32(let v)): return .f32(v)
        case (.f32, .i64(let v)): return .f32(UInt32(truncatingIfNeeded: v))
        case (.f64, .i64(let v)): return .f64(v)
        default: throw PlugboardError.flatTypeMismatch(expected: want, got: value.type)
        }
    }

    /// The next value as an `i32`.
    public mutating func nextI32() throws -> UInt32 {
        guard case .i32(let v) = try next(.i32) else { preconditionFailure("coerced to i32") }
        return v
    }

    /// The next value as an `i64`.
    public mutating func nextI64() throws -> UInt64 {
        guard case .i64(let v) = try next(.i64) else { preconditionFailure("coerced to i64") }
        return v
    }

    /// The next value as an `f32`'s bits.
    public mutating func nextF32() throws -> UInt32 {
        guard case .f32(let v) = try next(.f32) else { preconditionFailure("coerced to f32") }
        return v
    }

    /// The next value as an `f64`'s bits.
    public mutating func nextF64() throws -> UInt64 {
        guard case .f64(let v) = try next(.f64) else { preconditionFailure("coerced to f64") }
        return v
    }

    /// A reader of the next `count` values as they are, for a variant's joined payload slots.
    public mutating func take(_ count: Int) throws -> FlatReader {
        guard index + count <= values.count else { throw PlugboardError.flatArityMismatch(expected: index + count, got: values.count) }
        defer { index += count }
        return FlatReader(UnsafeBufferPointer(rebasing: values[index..<index + count]))
    }
}

/// Lifting from and lowering to flattened core values (`lift_flat` / `lower_flat`).
extension CanonicalContext {
    package func liftFlat(_ type: WITType, from reader: inout FlatReader) throws -> WITValue {
        switch type {
        case .bool: return .bool(try reader.nextI32() != 0)
        case .s8: return .s8(Int8(truncatingIfNeeded: Int32(bitPattern: try reader.nextI32())))
        case .u8: return .u8(UInt8(truncatingIfNeeded: try reader.nextI32()))
        case .s16: return .s16(Int16(truncatingIfNeeded: Int32(bitPattern: try reader.nextI32())))
        case .u16: return .u16(UInt16(truncatingIfNeeded: try reader.nextI32()))
        case .s32: return .s32(Int32(bitPattern: try reader.nextI32()))
        case .u32: return .u32(try reader.nextI32())
        case .s64: return .s64(Int64(bitPattern: try reader.nextI64()))
        case .u64: return .u64(try reader.nextI64())
        case .f32:
            guard case .f32(let bits) = try reader.next(.f32) else { preconditionFailure("coerced to f32") }
            return .f32(Float(bitPattern: bits))
        case .f64:
            guard case .f64(let bits) = try reader.next(.f64) else { preconditionFailure("coerced to f64") }
            return .f64(Double(bitPattern: bits))
        case .char: return .char(try Self.char(try reader.nextI32()))
        case .string:
            let pointer = try reader.nextI32()
            return .string(try liftString(pointer: pointer, length: try reader.nextI32()))
        case .list(let element):
            let pointer = try reader.nextI32()
            return .list(try liftList(element, pointer: pointer, count: try reader.nextI32()))
        case .record(_, let fields):
            return .record(try fields.map { WITValue.Field($0.name, try liftFlat($0.type, from: &reader)) })
        case .tuple(let elements):
            return .tuple(try elements.map { try liftFlat($0, from: &reader) })
        case .flags(_, let names):
            let words = try (0..<(names.count + 31) / 32).map { _ in try reader.nextI32() }
            return Self.flags(names, words: words)
        case .variant, .enum, .option, .result:
            let (count, payloads) = CanonicalLayout.variantShape(type)
            let discriminant = try reader.nextI32()
            guard discriminant < count else { throw PlugboardError.badDiscriminant(discriminant, type: type, caseCount: count) }
            var slots = try reader.take(CanonicalLayout.joinedPayloadTypes(payloads).count)
            let payload = try payloads[Int(discriminant)].map { try liftFlat($0, from: &slots) }
            return Self.variantValue(type, case: Int(discriminant), payload: payload)
        case .own, .borrow:
            return try liftHandle(try reader.nextI32(), as: type)
        case .unsupported(let what):
            throw PlugboardError.unsupportedType(what)
        }
    }

    package func lowerFlat(_ value: WITValue, as type: WITType, into out: inout [CoreValue]) throws {
        switch (type, value) {
        case (.bool, .bool(let v)): out.append(.i32(v ? 1 : 0))
        case (.s8, .s8(let v)): out.append(.i32(UInt32(bitPattern: Int32(v))))
        case (.u8, .u8(let v)): out.append(.i32(UInt32(v)))
        case (.s16, .s16(let v)): out.append(.i32(UInt32(bitPattern: Int32(v))))
        case (.u16, .u16(let v)): out.append(.i32(UInt32(v)))
        case (.s32, .s32(let v)): out.append(.i32(UInt32(bitPattern: v)))
        case (.u32, .u32(let v)): out.append(.i32(v))
        case (.s64, .s64(let v)): out.append(.i64(UInt64(bitPattern: v)))
        case (.u64, .u64(let v)): out.append(.i64(v))
        case (.f32, .f32(let v)): out.append(.f32(v.bitPattern))
        case (.f64, .f64(let v)): out.append(.f64(v.bitPattern))
        case (.char, .char(let v)): out.append(.i32(v.value))
        case (.string, .string(let string)):
            let (pointer, length) = try lowerString(string)
            out.append(.i32(pointer))
            out.append(.i32(length))
        case (.list(let element), .list(let values)):
            let (pointer, count) = try lowerList(values, of: element)
            out.append(.i32(pointer))
            out.append(.i32(count))
        case (.record(_, let fields), .record):
            for (field, fieldValue) in zip(fields, try Self.fieldValues(value, fields: fields, type: type)) {
                try lowerFlat(fieldValue, as: field.type, into: &out)
            }
        case (.tuple(let elements), .tuple(let values)) where values.count == elements.count:
            for (element, elementValue) in zip(elements, values) { try lowerFlat(elementValue, as: element, into: &out) }
        case (.flags(_, let names), .flags(let set)):
            let words = try Self.flagWords(set, names: names, type: type)
            out.append(contentsOf: words.prefix((names.count + 31) / 32).map(CoreValue.i32))
        case (.variant, _), (.enum, _), (.option, _), (.result, _):
            let (index, payload, payloadType) = try Self.variantCase(of: value, as: type)
            out.append(.i32(UInt32(index)))
            let joined = CanonicalLayout.joinedPayloadTypes(CanonicalLayout.variantShape(type).payloads)
            var caseValues: [CoreValue] = []
            if let payload, let payloadType { try lowerFlat(payload, as: payloadType, into: &caseValues) }
            for (slot, want) in joined.enumerated() {
                out.append(slot < caseValues.count ? Self.widen(caseValues[slot], to: want) : .zero(want))
            }
        case (.own, _), (.borrow, _):
            out.append(.i32(try lowerHandle(value, as: type)))
        case (.unsupported(let what), _):
            throw PlugboardError.unsupportedType(what)
        default:
            throw PlugboardError.typeMismatch(expected: type, got: value)
        }
    }

    /// Puts a case's core value into a joined slot type (the inverse of ``FlatReader/next(_:)``'s coercion).
    package static func widen(_ value: CoreValue, to want: CoreType) -> CoreValue {
        switch (value, want) {
        case (.i32(let v), .i64): return .i64(UInt64(v))
        case (.f32(let bits), .i32): return .i32(bits)
        case (.f32(let bits), .i64): return .i64(UInt64(bits))
        case (.f64(let bits), .i64): return .i64(bits)
        default: return value
        }
    }
}
