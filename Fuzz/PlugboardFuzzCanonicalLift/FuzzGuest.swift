import PlugboardABI
import PlugboardFuzzSupport

/// A guest's linear memory made of fuzz input. Like an engine's, it may assume every range it is given is in
/// bounds (``LinearMemory``): it checks anyway, and a range out of bounds is a finding, since ``GuestMemory`` must
/// have refused it first. Each access gets a buffer of exactly the range it asked for, allocated for the access,
/// so AddressSanitizer reports any read or write past it.
final class FuzzMemory: LinearMemory {
    private var storage: [UInt8]

    init(_ bytes: [UInt8]) { storage = bytes }

    var byteCount: Int { storage.count }

    func withUnsafeBytes<R>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeMutableBytes(offset: offset, count: count) { try body(UnsafeRawBufferPointer($0)) }
    }

    func withUnsafeMutableBytes<R>(offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        FuzzExpectation.require(
            offset >= 0 && count >= 0 && offset <= storage.count && count <= storage.count - offset,
            "an unchecked range [\(offset), +\(count)) of a \(storage.count)-byte memory reached the engine")
        let window = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { window.deallocate() }
        storage.withUnsafeBytes { window.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
        defer { storage.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[offset..<offset + count]).copyMemory(from: UnsafeRawBufferPointer(window)) } }
        return try body(window)
    }
}

/// A guest function that answers each call with the next of its scripted results (in turn, repeating), as an engine
/// would: the results always have the function's core types; their values are the guest's choice.
final class ScriptedFunction: CoreFunction {
    let signature: CoreSignature
    private let answers: [[CoreValue]]
    private(set) var calls: [[CoreValue]] = []

    init(signature: CoreSignature, answers: [[CoreValue]]) {
        self.signature = signature
        self.answers = answers
    }

    func call(_ arguments: [CoreValue]) throws -> [CoreValue] {
        FuzzExpectation.require(arguments.map(\.type) == signature.parameters, "called with \(arguments), not \(signature)")
        defer { calls.append(arguments) }
        return answers.isEmpty ? [] : answers[calls.count % answers.count]
    }
}
