import Testing

import Plugboard
import PlugboardHTTPFetch
import PlugboardBindgen
import PlugboardRuntime
import PlugboardRegistry
import PlugboardABI
import PlugboardManifest

/// Sizes, alignments, offsets and flattenings worked out by hand from the canonical ABI
/// (component-model `design/mvp/CanonicalABI.md`). The round-trip tests cannot catch a layout mistake that
/// lifting and lowering share, so the numbers are pinned here: a change must be explained, not re-blessed.
@Suite struct CanonicalLayoutTests {
    static let point = WITType.record(name: "point", fields: [WITField("x", .s32), WITField("y", .s32)])
    static let shape = WITType.variant(name: "shape", cases: [
        WITCase("circle", .f32), WITCase("rect", point), WITCase("empty"), WITCase("label", .string), WITCase("big", .u64),
        WITCase("pair", .tuple([.u8, .f64])),
    ])

    @Test func scalarsStringsAndListsHaveTheirNaturalLayout() {
        for (type, size, alignment) in [(WITType.bool, 1, 1), (.s16, 2, 2), (.char, 4, 4), (.u64, 8, 8), (.f64, 8, 8), (.string, 8, 4), (.list(.u64), 8, 4)] {
            #expect(CanonicalLayout.size(type) == size, "\(type)")
            #expect(CanonicalLayout.alignment(type) == alignment, "\(type)")
        }
    }

    @Test func recordFieldsArePaddedToTheirAlignment() {
        let item = WITType.record(name: "item", fields: [
            WITField("name", .string), WITField("tags", .list(.string)), WITField("note", .option(.string)), WITField("score", .f64),
            WITField("at", Self.point),
        ])
        #expect(CanonicalLayout.fieldOffsets([.string, .list(.string), .option(.string), .f64, Self.point]) == [0, 8, 16, 32, 40])
        #expect(CanonicalLayout.size(item) == 48)
        #expect(CanonicalLayout.alignment(item) == 8)
        #expect(CanonicalLayout.fieldOffsets([.u8, .string, .u64]) == [0, 4, 16])
        #expect(CanonicalLayout.size(.tuple([.u8, .string, .u64])) == 24)
    }

    @Test func variantsPlaceThePayloadAfterTheDiscriminantAtTheLargestCaseAlignment() {
        #expect(CanonicalLayout.size(Self.shape) == 24)
        #expect(CanonicalLayout.alignment(Self.shape) == 8)
        #expect(CanonicalLayout.payloadOffset(Self.shape) == 8)
        #expect(CanonicalLayout.size(.option(.u64)) == 16)
        #expect(CanonicalLayout.size(.result(ok: .string, error: .u32)) == 12)
        #expect(CanonicalLayout.size(.result(ok: nil, error: nil)) == 1)
        let manyCases = WITType.enum(name: "big", cases: (0..<257).map { "c\($0)" })
        #expect(CanonicalLayout.size(manyCases) == 2)
        #expect(CanonicalLayout.size(.enum(name: "small", cases: ["a", "b"])) == 1)
    }

    @Test func processResponseMatchesTheDocumentedDefaultWorldLayout() {
        let response = DefaultWorld.pluginAPI.function(named: "process")!.results[0]
        #expect(CanonicalLayout.size(response) == 24)
        guard case .record(_, let fields) = response else { return }
        #expect(CanonicalLayout.fieldOffsets(fields.map(\.type)) == [0, 8, 12])
    }

    @Test func flagsUseTheSmallestIntegerThatHoldsThem() {
        #expect(CanonicalLayout.size(.flags(name: "f", flags: ["a", "b", "c"])) == 1)
        #expect(CanonicalLayout.size(.flags(name: "f", flags: (0..<12).map { "t\($0)" })) == 2)
        #expect(CanonicalLayout.alignment(.flags(name: "f", flags: (0..<12).map { "t\($0)" })) == 2)
        #expect(CanonicalLayout.size(.flags(name: "f", flags: (0..<32).map { "b\($0)" })) == 4)
        #expect(CanonicalLayout.flatten(.flags(name: "f", flags: (0..<32).map { "b\($0)" })) == [.i32])
    }

    @Test func variantPayloadSlotsJoinToTheWidestCoreType() {
        // circle f32 | rect (i32, i32) | label (i32, i32) | big i64 | pair (i32, f64)
        #expect(CanonicalLayout.flatten(Self.shape) == [.i32, .i64, .i64])
        #expect(CanonicalLayout.flatten(.option(.f32)) == [.i32, .f32])
        #expect(CanonicalLayout.flatten(.result(ok: .f32, error: .u32)) == [.i32, .i32])
        #expect(CanonicalLayout.flatten(.result(ok: .f64, error: .f32)) == [.i32, .i64])
    }
}
