import Plugboard
import PlugboardComponents
import PlugboardTesting

/// Hostile components built byte by byte, for what component text cannot say: cuts, counts of 2^32 − 1, nesting
/// 10,000 deep and definitions by the hundred thousand. Each builds its bytes in linear time, without recursion.
enum HostileComponentBytes {
    static func leb(_ value: UInt32) -> [UInt8] { WasmEncoding.uleb(value) }

    /// `count` as an unsigned LEB128.
    static func leb(_ count: Int) -> [UInt8] { WasmEncoding.uleb(UInt32(count)) }

    /// 2^32 − 1 as an unsigned LEB128.
    static let maxCount: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]

    /// Type index `index` as a value type: a non-negative signed LEB128 (the format's `s33`).
    static func valueType(_ index: Int) -> [UInt8] {
        var value = index
        var bytes: [UInt8] = []
        while true {
            let low = UInt8(value & 0x7F)
            value >>= 7
            if value == 0 && low & 0x40 == 0 { return bytes + [low] }
            bytes.append(low | 0x80)
        }
    }

    static func name(_ text: String) -> [UInt8] { leb(text.utf8.count) + Array(text.utf8) }

    static func section(_ id: UInt8, _ payload: [UInt8]) -> [UInt8] { [id] + leb(payload.count) + payload }

    static func component(_ sections: [UInt8]...) -> [UInt8] { ComponentParser.preamble + sections.flatMap { $0 } }

    /// `bytes` cut 20 bytes into the payload of its first section.
    static func cutInsideFirstSection(_ bytes: [UInt8]) -> [UInt8] {
        var sizeEnd = 9  // after the preamble and the section id
        while bytes[sizeEnd] & 0x80 != 0 { sizeEnd += 1 }
        return Array(bytes[0..<(sizeEnd + 1 + 20)])
    }

    /// Components nested `depth` deep, built from the outside in.
    static func nestedComponents(_ depth: Int) -> [UInt8] {
        var sizes = [Int](repeating: 8, count: depth + 1)
        for level in stride(from: depth - 1, through: 0, by: -1) {
            sizes[level] = 8 + 1 + leb(sizes[level + 1]).count + sizes[level + 1]
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sizes[0])
        for level in 0..<depth { bytes += ComponentParser.preamble + [4] + leb(sizes[level + 1]) }
        return bytes + ComponentParser.preamble
    }

    /// One type: `opening` (a component or instance type declaring one type) `depth` times around `bool`.
    static func nestedTypes(_ depth: Int, opening: UInt8) -> [UInt8] {
        component(section(7, [0x01] + Array(repeating: [opening, 0x01, 0x01], count: depth).flatMap { $0 } + [0x7F]))
    }

    /// Types 0..<depth: `u32`, then each a list of the one before.
    static func listChain(_ depth: Int) -> [UInt8] {
        var types = leb(depth) + [0x79]
        for index in 1..<depth { types += [0x70] + valueType(index - 1) }
        return component(section(7, types))
    }

    /// `count` types `u32`, then a lift with type `count`, one past them.
    static func manyTypesThenOnePast(_ count: Int) -> [UInt8] {
        component(
            section(7, leb(count) + Array(repeating: 0x79, count: count)),
            section(8, [0x01, 0x00, 0x00, 0x00, 0x00] + leb(count)))
    }

    /// A core module exporting `f: () -> ()`.
    static let coreModule: [UInt8] = [
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,  // type 0: () -> ()
        0x03, 0x02, 0x01, 0x00,  // function 0 of type 0
        0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,  // export "f" = function 0
        0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B,  // its body: end
    ]

    /// A component lifting the core module's `f` with a function type of `parameters` parameters, each a tuple of
    /// 32,768 `u32`s (types 0-14, each a tuple of two of the one before: 65,535 nodes, under the type size cap), and
    /// exporting it under `exports` names.
    static func largeFunctionType(parameters: Int, exports: Int) -> [UInt8] {
        var types = leb(16) + [0x6F, 0x02, 0x79, 0x79]
        for index in 1...14 { types += [0x6F, 0x02] + valueType(index - 1) + valueType(index - 1) }
        types += [0x40] + leb(parameters) + Array(repeating: name("p") + valueType(14), count: parameters).flatMap { $0 } + [0x01, 0x00]
        var exported = leb(exports)
        for index in 0..<exports { exported += [0x00] + name("f\(index)") + [0x01, 0x00, 0x00] }
        return component(
            section(1, coreModule),
            section(2, [0x01, 0x00, 0x00, 0x00]),  // core instance 0: instantiate module 0
            section(6, [0x01, 0x00, 0x00, 0x01, 0x00] + name("f")),  // core func 0: alias of instance 0's "f"
            section(7, types),
            section(8, [0x01, 0x00, 0x00, 0x00, 0x00] + leb(15)),  // func 0: lift core func 0 with type 15
            section(11, exported))
    }
}
