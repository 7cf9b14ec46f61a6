import Testing

@testable import SluiceCore

@Suite struct SinkRecordTests {
    @Test(arguments: [
        (Int64(1_795_716_000_123_456_789), "2026-11-26T18:00:00.123456Z"),
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (Int64(1_709_210_096_789_012_000), "2024-02-29T12:34:56.789012Z"),
        (Int64(946_684_799_999_999_999), "1999-12-31T23:59:59.999999Z"),
        (Int64(2_147_483_648_000_001_000), "2038-01-19T03:14:08.000001Z"),
        (Int64(-1), "1969-12-31T23:59:59.999999Z"),
    ])
    func receivedAt_IsUTCWithMicroseconds(nanoseconds: Int64, expected: String) {
        var formatter = TimestampFormatter()
        var bytes: [UInt8] = []
        formatter.appendRFC3339(nanoseconds: nanoseconds, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test func receivedAt_CachedSecondPrefix_IsNotReusedForAnotherSecond() {
        var formatter = TimestampFormatter()
        var bytes: [UInt8] = []
        formatter.appendRFC3339(nanoseconds: 1_795_716_000_000_000_000, to: &bytes)
        formatter.appendRFC3339(nanoseconds: 1_795_716_000_999_999_000, to: &bytes)
        formatter.appendRFC3339(nanoseconds: 1_795_716_001_000_000_000, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self)
            == "2026-11-26T18:00:00.000000Z2026-11-26T18:00:00.999999Z2026-11-26T18:00:01.000000Z")
    }

    @Test func segmentStamp_IsCompactUTC() {
        #expect(TimestampFormatter.compactUTC(nanoseconds: 1_795_716_000_123_456_789) == "20261126T180000Z")
    }

    /// Everything `slab` would hand a sink, as text.
    private func records(_ slab: ResultSlab) -> String { slab.withRecords { String(decoding: $0, as: UTF8.self) } }

    @Test func record_HasIdReceivedAtDataAndMetadata_InTheContractShape() {
        let slab = makeSlab([#"a\"b"#], data: #"{"x":{"y":[1,"z"]}}"#, metadata: #"["m1","m2"]"#)
        #expect(records(slab)
            == #"{"id":"a\"b","received_at":"2026-11-26T18:00:00.123456Z","data":{"x":{"y":[1,"z"]}},"metadata":["m1","m2"]}"# + "\n")
    }

    @Test func record_WithoutMetadata_WritesAnEmptyArray() {
        let slab = makeSlab(["n"], data: "{}")
        #expect(records(slab) == #"{"id":"n","received_at":"2026-11-26T18:00:00.123456Z","data":{},"metadata":[]}"# + "\n")
    }

    @Test func records_EachLineParsesAsAJSONObject() {
        let slab = ResultSlab()
        slab.begin(receivedAtNanoseconds: 1_795_716_000_123_456_789)
        slab.append(id: "plain".utf8, data: #"{"a":1.5e3,"b":null,"c":true}"#.utf8, metadata: String?.none?.utf8)
        slab.append(id: #"esc\u00e9\n"#.utf8, data: #"{"s":"q\"uote"}"#.utf8, metadata: "[]".utf8)
        slab.append(id: "deep".utf8, data: #"{"l":[[],{},[{"k":-0.1}]]}"#.utf8, metadata: #"["x"]"#.utf8)
        let lines = ndjsonLines(Array(records(slab).utf8))
        #expect(lines.count == 3)
        for line in lines { #expect(JSONChecker.isObject(line), "\(String(decoding: line, as: UTF8.self))") }
        #expect(!JSONChecker.isObject(Array(#"{"a":1,}"#.utf8)), "the checker itself must be strict")
    }

    @Test func everyRecord_CarriesTheBatchReceiveTime() {
        let slab = makeSlab(["a", "b", "c"], at: 1_709_210_096_789_012_000)
        for line in ndjsonLines(Array(records(slab).utf8)) {
            #expect(String(decoding: line, as: UTF8.self).contains(#""received_at":"2024-02-29T12:34:56.789012Z""#))
        }
    }
}

@Suite struct SegmentNameTests {
    @Test func names_SortByStampThenSequence() {
        let names = [
            SegmentName(stamp: "20261127T031500Z", sequence: 2),
            SegmentName(stamp: "20261127T031500Z", sequence: 10),
            SegmentName(stamp: "20261127T031501Z", sequence: 11),
        ]
        #expect(names.map(\.finished) == names.map(\.finished).sorted())
        #expect(names[1].finished == "segment-20261127T031500Z-000010.ndjson")
    }

    @Test(arguments: [
        ("segment-20261127T031500Z-000001.ndjson", SegmentName.Kind.finished),
        ("segment-20261127T031500Z-000001.ndjson.open", .open),
        ("segment-20261127T031500Z-000001.ndjson.rollback-4096", .rolledBack(goodBytes: 4096)),
    ])
    func parse_RecognisesEachState(fileName: String, kind: SegmentName.Kind) {
        let parsed = SegmentName.parse(fileName)
        #expect(parsed?.name == SegmentName(stamp: "20261127T031500Z", sequence: 1))
        #expect(parsed?.kind == kind)
    }

    @Test(arguments: ["notes.txt", "segment-2026.ndjson", "segment-20261127T031500Z-000001.ndjson.tmp", "segment-20261127X031500Z-1.ndjson"])
    func parse_IgnoresOtherFiles(fileName: String) {
        #expect(SegmentName.parse(fileName) == nil)
    }
}
