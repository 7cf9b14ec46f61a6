import Foundation
import SluiceLoad
import Testing

@Suite("Batch bodies")
struct BatchBuilderTests {
    private struct Item: Decodable, Equatable {
        var id: String
        var data: DataObject
    }

    private struct StringItem: Decodable {
        var id: String
        var data: String
    }

    private struct DataObject: Decodable, Equatable {
        var value: Int
        var name: String
        var active: Bool
    }

    private static let expectedData = DataObject(value: 42, name: "test", active: true)

    @Test(arguments: [0, 1, 3, 250])
    func objectShape_IsAJSONArrayOfItems(items: Int) throws {
        let body = BatchBuilder(items: items, shape: .object).build()
        let decoded = try JSONDecoder().decode([Item].self, from: Data(body))
        #expect(decoded.count == items)
        #expect(decoded.map(\.id) == (0..<items).map { "item-\($0 + 1)" })
        #expect(decoded.allSatisfy { $0.data == Self.expectedData })
    }

    @Test func stringShape_CarriesTheObjectAsAJSONString() throws {
        let body = BatchBuilder(items: 4, shape: .string).build()
        let decoded = try JSONDecoder().decode([StringItem].self, from: Data(body))
        #expect(decoded.map(\.id) == ["item-1", "item-2", "item-3", "item-4"])
        for item in decoded {
            #expect(try JSONDecoder().decode(DataObject.self, from: Data(item.data.utf8)) == Self.expectedData)
        }
    }

    @Test func ndjsonShape_IsOneItemObjectPerLine() throws {
        let body = BatchBuilder(items: 5, shape: .ndjson).build()
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 5)
        let decoded = try lines.map { try JSONDecoder().decode(Item.self, from: Data($0.utf8)) }
        #expect(decoded.map(\.id) == (1...5).map { "item-\($0)" })
    }

    @Test(arguments: DataShape.allCases)
    func requestBody_DescribesItself(shape: DataShape) throws {
        let body = try BatchBuilder(items: 10, shape: shape).requestBody(gzip: false)
        #expect(body.itemsPerRequest == 10)
        #expect(body.contentType == (shape == .ndjson ? "application/x-ndjson" : "application/json"))
        #expect(body.contentEncoding == nil)
        #expect(body.headerLines.contains("Expect:"))
        #expect(body.uncompressedByteCount == body.bytes.count)
    }

    @Test(arguments: DataShape.allCases)
    func gzipBody_RoundTripsToTheSameBytes(shape: DataShape) throws {
        let builder = BatchBuilder(items: 100, shape: shape)
        let body = try builder.requestBody(gzip: true)
        #expect(body.contentEncoding == "gzip")
        #expect(body.headerLines.contains("Content-Encoding: gzip"))
        #expect(Array(body.bytes.prefix(2)) == [0x1F, 0x8B], "gzip magic (RFC 1952 §2.3.1)")
        #expect(body.bytes.count < body.uncompressedByteCount / 5, "100 identical items compress well")
        #expect(try Gzip.decompress(body.bytes) == builder.build())
    }

    @Test func gzip_RoundTripsEmptyAndBinaryInput() throws {
        #expect(try Gzip.decompress(try Gzip.compress([])) == [])
        let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        #expect(try Gzip.decompress(try Gzip.compress(bytes)) == bytes)
    }

    @Test func decompress_OfGarbage_Throws() {
        #expect(throws: LoadError.self) { try Gzip.decompress([1, 2, 3, 4, 5]) }
    }

    @Test func bodyFile_IsReadWhole_AndAMissingOneIsAClearError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-load-body-\(getpid()).json").path
        try Data("[{\"id\":\"x\",\"data\":{}}]".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try BodyFile.read(path: path) == Array("[{\"id\":\"x\",\"data\":{}}]".utf8))
        #expect(throws: LoadError.bodyFileUnreadable(path: "/nonexistent/body.json", reason: "No such file or directory")) {
            try BodyFile.read(path: "/nonexistent/body.json")
        }
        #expect(throws: LoadError.bodyFileUnreadable(path: "/tmp", reason: "not a regular file")) {
            try BodyFile.read(path: "/tmp")
        }
    }
}
