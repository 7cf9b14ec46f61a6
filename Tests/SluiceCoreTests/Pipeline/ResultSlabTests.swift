import Testing

@testable import SluiceCore

@Suite struct ResultSlabTests {
    @Test func append_StoresEachFieldAsGiven_InsideItsRecord() {
        let slab = makeSlab([#"a\"1"#], data: #"{"k":[1,2]}"#, metadata: #"["m"]"#, at: 42)
        let result = slab[0]
        #expect(String(decoding: slab.id(of: result), as: UTF8.self) == #"a\"1"#)
        #expect(String(decoding: slab.data(of: result), as: UTF8.self) == #"{"k":[1,2]}"#)
        #expect(slab.metadata(of: result).map { String(decoding: $0, as: UTF8.self) } == #"["m"]"#)
        #expect(result.hasMetadata)
        #expect(slab.receivedAtNanoseconds == 42)
        #expect(result.recordRange == 0..<slab.byteCount)
        #expect(slab.withRecord(of: result) { $0.last } == UInt8(ascii: "\n"))
    }

    @Test func append_WithoutMetadata_HasNone() {
        let slab = makeSlab(["x"], data: "{}")
        #expect(slab.metadata(of: slab[0]) == nil)
        #expect(!slab[0].hasMetadata)
        #expect(String(decoding: slab.data(of: slab[0]), as: UTF8.self) == "{}")
    }

    @Test func records_LieBackToBack_InAppendOrder() {
        let ids = (0..<300).map { "item-\($0)" }
        let slab = makeSlab(ids)
        #expect(slab.count == 300)
        var end = 0
        for result in slab {
            #expect(result.recordRange.lowerBound == end)
            end = result.recordRange.upperBound
        }
        #expect(end == slab.byteCount)
        #expect(SluiceCoreTests.ids(of: [slab]) == ids)
        let lines = slab.withRecords { ndjsonLines(Array($0)) }
        #expect(lines.compactMap(recordID) == ids)
    }

    @Test func isValid_OnlyInTheStateResetLeaves() {
        let slab = ResultSlab()
        #expect(slab.isValid)
        slab.begin(receivedAtNanoseconds: 1)
        #expect(!slab.isValid, "a begun slab holds a receive time")
        slab.append(id: "a".utf8, data: "{}".utf8, metadata: String?.none?.utf8)
        #expect(!slab.isValid)
        slab.reset()
        #expect(slab.isValid)
        #expect(slab.isEmpty && slab.byteCount == 0)
        #expect(slab.generation == 1)
    }

    @Test func growth_KeepsEveryRecordIntact() {
        let slab = ResultSlab(limits: .init(initialBytes: 64, initialResults: 1))
        slab.begin(receivedAtNanoseconds: 7)
        let payload = "{\"p\":\"" + String(repeating: "x", count: 500) + "\"}"
        for index in 0..<50 { slab.append(id: "i\(index)".utf8, data: payload.utf8, metadata: #"["m"]"#.utf8) }
        for (index, result) in slab.enumerated() {
            #expect(String(decoding: slab.id(of: result), as: UTF8.self) == "i\(index)")
            #expect(String(decoding: slab.data(of: result), as: UTF8.self) == payload)
        }
    }

    @Test func reset_KeepsStorageUpToTheRetentionLimits() {
        let limits = ResultSlab.Limits(initialBytes: 256, maxRetainedBytes: 64 << 10, initialResults: 4, maxRetainedResults: 1024)
        let slab = ResultSlab(limits: limits)
        slab.begin(receivedAtNanoseconds: 1)
        for index in 0..<100 { slab.append(id: "i\(index)".utf8, data: "{}".utf8, metadata: String?.none?.utf8) }
        let grown = slab.retainedBytes
        #expect(grown > 256 + 4 * MemoryLayout<ProcessResult>.stride)
        slab.reset()
        #expect(slab.retainedBytes == grown, "storage under the limits is kept for the next batch")
        slab.releaseExcess()
        #expect(slab.retainedBytes == 256 + 4 * MemoryLayout<ProcessResult>.stride)
    }

    @Test func reset_DropsStorageThatGrewPastTheLimits() {
        let limits = ResultSlab.Limits(initialBytes: 256, maxRetainedBytes: 4096, initialResults: 4, maxRetainedResults: 8)
        let slab = ResultSlab(limits: limits)
        slab.begin(receivedAtNanoseconds: 1)
        let huge = "{\"p\":\"" + String(repeating: "y", count: 8000) + "\"}"
        for index in 0..<20 { slab.append(id: "i\(index)".utf8, data: huge.utf8, metadata: String?.none?.utf8) }
        slab.reset()
        #expect(slab.retainedBytes == 256 + 4 * MemoryLayout<ProcessResult>.stride)
        #expect(slab.isValid)
    }

    @Test func processResult_IsAPlainValueOfSixteenBytes() {
        #expect(MemoryLayout<ProcessResult>.size == 16)
        #expect(_isPOD(ProcessResult.self), "no reference in a result: moving a batch costs no reference counting per item")
    }
}
