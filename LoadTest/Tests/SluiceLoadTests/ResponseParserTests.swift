@testable import SluiceLoad
import Testing

/// The wire engine's response parser, fed whole, in every two-piece split, and byte by byte.
@Suite("Response parser")
struct ResponseParserTests {
    /// What one parse produced.
    private struct Parsed: Equatable {
        var status: Int
        var body: String
        var bodyBytes: Int
        var closes: Bool
        /// Bytes consumed; less than the input when bytes follow the response.
        var consumed: Int
    }

    /// Parses `text` delivered in `pieces` (split offsets); nil when the response is incomplete.
    private func parse(_ text: String, splits: [Int] = [], endOfStream: Bool = false, kept: Int = 1024) throws(ResponseParser.Failure) -> Parsed? {
        let bytes = Array(text.utf8)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: kept, alignment: 1)
        defer { storage.deallocate() }
        var parser = ResponseParser(keptStorage: storage)
        var consumed = 0
        var start = 0
        for end in splits + [bytes.count] where end >= start {
            let outcome = bytes[start..<end].withUnsafeBytes { piece in
                Result { () throws(ResponseParser.Failure) in try parser.consume(piece) }
            }
            consumed += try outcome.get()
            start = end
            if parser.isComplete { break }
        }
        if endOfStream, !parser.isComplete, !parser.finishAtEndOfStream() { return nil }
        guard parser.isComplete else { return nil }
        return Parsed(status: parser.status, body: String(decoding: parser.keptBody, as: UTF8.self),
                      bodyBytes: parser.bodyByteCount, closes: parser.closesConnection, consumed: consumed)
    }

    /// The same result whole, at every split point, and byte by byte.
    private func expectSameInEveryPiecing(_ text: String, endOfStream: Bool = false, _ expected: Parsed?) throws {
        let count = text.utf8.count
        #expect(try parse(text, endOfStream: endOfStream) == expected, "whole")
        for split in 1..<count {
            #expect(try parse(text, splits: [split], endOfStream: endOfStream) == expected, "split at \(split)")
        }
        #expect(try parse(text, splits: Array(1..<count), endOfStream: endOfStream) == expected, "byte by byte")
    }

    private func expectFailure(_ text: String, _ failure: ResponseParser.Failure) {
        #expect(throws: failure) { try parse(text) }
        #expect(throws: failure) { try parse(text, splits: Array(1..<text.utf8.count)) }
    }

    @Test func contentLength_BodyIsKeptAndConnectionStays() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"accepted\":5"
        try expectSameInEveryPiecing(text, Parsed(status: 200, body: "{\"accepted\":5", bodyBytes: 13, closes: false, consumed: text.utf8.count))
    }

    @Test func chunked_IsDecodedWithExtensionsAndTrailers() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6 \r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n"
        try expectSameInEveryPiecing(text, Parsed(status: 200, body: "hello world", bodyBytes: 11, closes: false, consumed: text.utf8.count))
    }

    @Test func interimResponses_AreSkipped() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nno"
        try expectSameInEveryPiecing(text, Parsed(status: 503, body: "no", bodyBytes: 2, closes: false, consumed: text.utf8.count))
    }

    @Test(arguments: [204, 304])
    func noContentStatuses_HaveNoBody(status: Int) throws {
        let text = "HTTP/1.1 \(status) X\r\nContent-Length: 10\r\n\r\n"
        try expectSameInEveryPiecing(text, Parsed(status: status, body: "", bodyBytes: 0, closes: false, consumed: text.utf8.count))
    }

    @Test func noLength_BodyEndsAtTheClose() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"
        #expect(try parse(text) == nil, "not complete before the stream ends")
        try expectSameInEveryPiecing(text, endOfStream: true, Parsed(status: 200, body: "until the end", bodyBytes: 13, closes: true, consumed: text.utf8.count))
    }

    @Test func truncatedBody_IsNotComplete_EvenAtEndOfStream() throws {
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", endOfStream: true) == nil)
        #expect(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", endOfStream: true) == nil)
        #expect(try parse("HTTP/1.1 200 O", endOfStream: true) == nil)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true),
        ("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", true),
        ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", true),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", false),
        // Transfer-Encoding and Content-Length together: decoded as chunked, then not reused.
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true),
    ])
    func connectionReuse_FollowsTheHeadersAndVersion(text: String, closes: Bool) throws {
        let parsed = try #require(try parse(text))
        #expect(parsed.closes == closes)
    }

    @Test func bareLineFeeds_AreAccepted() throws {
        let text = "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"
        try expectSameInEveryPiecing(text, Parsed(status: 200, body: "ok", bodyBytes: 2, closes: false, consumed: text.utf8.count))
    }

    @Test func bytesAfterTheResponse_AreNotConsumed() throws {
        let response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let parsed = try #require(try parse(response + "HTTP/1.1 200 OK\r\n"))
        #expect(parsed.consumed == response.utf8.count)
    }

    @Test func longBodies_AreCountedButOnlyTheStartIsKept() throws {
        let body = String(repeating: "x", count: 5_000)
        let parsed = try #require(try parse("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + body, splits: [100, 1_000, 3_000], kept: 64))
        #expect(parsed.bodyBytes == 5_000)
        #expect(parsed.body == String(repeating: "x", count: 64))
    }

    @Test(arguments: [
        ("HTTP/2 200\r\n\r\n", ResponseParser.Failure.badStatusLine),
        ("HTTP/1.1 20 OK\r\n\r\n", .badStatusLine),
        ("HTTP/1.1 2000 OK\r\n\r\n", .badStatusLine),
        ("HTTP/1.1 099 Low\r\n\r\n", .badStatusLine),
        ("http/1.1 200 OK\r\n\r\n", .badStatusLine),
        ("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", .badHeaderLine),
        ("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", .badHeaderLine),
        ("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", .badHeaderLine),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", .badContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .badContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n", .badContentLength),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .badChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n", .badChunk),
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", .unexpectedUpgrade),
    ])
    func malformedResponses_AreRejected(text: String, failure: ResponseParser.Failure) {
        expectFailure(text, failure)
    }

    @Test func oversizedHead_IsRejected() {
        let huge = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: ResponseParser.maxHeadBytes) + "\r\n\r\n"
        expectFailure(huge, .headTooLarge)
    }

    @Test func identicalRepeatedContentLength_IsOneLength() throws {
        let parsed = try #require(try parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok"))
        #expect(parsed.body == "ok")
    }

    @Test func reset_ReadsTheNextResponseOnTheSameConnection() throws {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { storage.deallocate() }
        var parser = ResponseParser(keptStorage: storage)
        for (status, body) in [(200, "first"), (503, "second")] {
            parser.reset()
            let text = "HTTP/1.1 \(status) X\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            let used = try Array(text.utf8).withUnsafeBytes { bytes in
                try Result { () throws(ResponseParser.Failure) in try parser.consume(bytes) }.get()
            }
            #expect(used == text.utf8.count)
            #expect(parser.isComplete)
            #expect(parser.status == status)
            #expect(String(decoding: parser.keptBody, as: UTF8.self) == body)
        }
    }
}
