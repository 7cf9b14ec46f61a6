import Glibc
import Testing

@testable import SluiceCore

/// A crash model for start-up repair: whatever a crash leaves of a segment's tail (cut at any
/// byte, or followed by bytes that were never a record), what remains after repair is exactly
/// a prefix of the records that were written, whole records only, none twice.
@Suite struct SegmentRecoveryTests {
    /// A real segment as the sink writes it: records with nested data, escapes, non-ASCII
    /// text, metadata; returns its bytes and the end offset of each record.
    private func writtenSegment() throws -> (bytes: [UInt8], ends: [Int]) {
        let temp = try TemporaryDirectory()
        let sink = try FileSink(configuration: .init(directory: temp.path))
        let data = [#"{"n":1}"#, #"{"nested":{"a":[1,2,{"b":null}]},"s":"x\"y\\z"}"#, #"{"text":"grüße ☃ \u00e9"}"#,
                    #"{"e":1e-7,"t":true}"#, #"{}"#, #"{"deep":[[[[["x"]]]]]}"#]
        for (index, object) in data.enumerated() {
            let slab = ResultSlab()
            slab.begin(receivedAtNanoseconds: 1_795_716_000_123_456_789)
            slab.append(id: "item-\(index)".utf8, data: object.utf8, metadata: index % 2 == 0 ? #"["m\#(index)","ü"]"#.utf8 : nil)
            try sink.write([slab])
        }
        try sink.close()
        let names = listDirectory(temp.path)
        guard names.count == 1 else { throw TestFailure("expected one segment, found \(names)") }
        let bytes = try readFile(temp.file(names[0]))
        let ends = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\n") }.map { $0 + 1 }
        guard ends.count == data.count, ends.last == bytes.count else { throw TestFailure("segment is not one line per record") }
        let scanner = JSONScanner()
        var start = 0
        for end in ends {
            // The model only holds if what the sink writes is what repair keeps.
            let valid = bytes[start..<(end - 1)].withUnsafeBytes { if case .success = scanner.validate($0) { true } else { false } }
            guard valid else { throw TestFailure("record at \(start) is not valid JSON") }
            start = end
        }
        return (bytes, ends)
    }

    /// Leaves `bytes` as a crashed run's `.open` segment, starts a sink on the directory and
    /// returns what the repaired segment holds (empty when repair removed it).
    private func recover(_ bytes: ArraySlice<UInt8>) throws -> [UInt8] {
        let temp = try TemporaryDirectory()
        let name = "segment-20261203T050000Z-000001.ndjson"
        let fd = open(temp.file(name + ".open"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TestFailure("open failed") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw TestFailure("short write") }
        let sink = try FileSink(configuration: .init(directory: temp.path))
        try sink.close()
        let names = listDirectory(temp.path)
        #expect(!names.contains { $0.hasSuffix(".open") }, "repair finishes the segment")
        return names.contains(name) ? try readFile(temp.file(name)) : []
    }

    @Test func cutAtEveryByteOfTheLastRecords_LeavesTheWholeRecordsBeforeTheCut() throws {
        let (bytes, ends) = try writtenSegment()
        let firstCut = ends[ends.count - 4]  // every offset through the last three records
        for cut in firstCut...bytes.count {
            let expected = ends.last { $0 <= cut } ?? 0
            let repaired = try recover(bytes[..<cut])
            #expect(repaired.count == expected && repaired[...] == bytes[..<expected], "cut at \(cut): kept \(repaired.count) bytes, want \(expected)")
        }
    }

    @Test(arguments: [
        "zeros", "garbage line", "torn record with newline", "a record's tail", "unterminated object", "two newlines",
    ])
    func bytesAfterAValidPrefix_AreCutAway(_ kind: String) throws {
        let (bytes, ends) = try writtenSegment()
        let tail: [UInt8] = switch kind {
        case "zeros": [UInt8](repeating: 0, count: 4096)  // blocks allocated but never written
        case "garbage line": Array("\u{1}\u{2}not json at all\n{\"id\":\"after-garbage\",\"data\":{}}\n".utf8)
        case "torn record with newline": Array(#"{"id":"item-9","received_at":"2026"#.utf8) + [0x0A]
        case "a record's tail": Array(bytes[(ends[1] - 20)..<ends[1]])  // stale bytes of an older record
        case "unterminated object": Array("{\"id\":\"x\",\"data\":{\"a\":1}\n".utf8)
        default: Array("\n\n".utf8)
        }
        for end in [0] + ends {
            let crashed = Array(bytes[..<end]) + tail
            let repaired = try recover(crashed[...])
            #expect(repaired.count == end && repaired[...] == bytes[..<end], "\(kind) after \(end) bytes: kept \(repaired.count)")
        }
    }

    @Test func wholeRecordsLength_OnlyCountsLinesThatAreOneJSONObject() {
        func length(_ text: String) -> Int { Array(text.utf8).withUnsafeBytes { SegmentDirectory.wholeRecordsLength($0) } }
        #expect(length("") == 0)
        #expect(length("{}\n{\"a\":1}\n") == 11)
        #expect(length("{}\n[1]\n{}\n") == 3, "an array is not a record")
        #expect(length("{}\n {}\n") == 3, "records start with their brace")
        #expect(length("{} {}\n") == 0)
        #expect(length("{}\n{}") == 3, "no newline: not whole")
        #expect(length("{\"a\":\"\u{FFFD}\"}\n") == 12)
        #expect(Array([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D, 0x0A]).withUnsafeBytes { SegmentDirectory.wholeRecordsLength($0) } == 0,
                "invalid UTF-8 is not a record")
    }
}
