@testable import SluiceHTTP
import Testing

/// What decoding one chunked body is expected to end with.
enum ChunkedExpectation: Equatable, Sendable {
    /// The body is complete and decodes to these bytes; every encoded byte is consumed.
    case decoded(String)
    case failed(HTTPParseError)
    /// The input ends before the body does.
    case needMoreBytes
}

/// One row of the table: an encoded body, the caps, and the expected outcome.
struct ChunkedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var encoded: [UInt8]
    var maxBodyBytes = 1 << 20
    var maxTrailerBytes = 1024
    var expected: ChunkedExpectation

    init(_ name: String, _ encoded: String, maxBodyBytes: Int = 1 << 20, maxTrailerBytes: Int = 1024,
         _ expected: ChunkedExpectation) {
        self.name = name
        self.encoded = Array(encoded.utf8)
        self.maxBodyBytes = maxBodyBytes
        self.maxTrailerBytes = maxTrailerBytes
        self.expected = expected
    }

    var testDescription: String { name }
}

/// How feeding a decoder ended: the decoded bytes and the number of encoded bytes consumed (in
/// the input's coordinates), an error, or a need for more bytes; plus the bytes it left unread.
private struct ChunkedRun: Equatable {
    enum Outcome: Equatable {
        case complete(decoded: [UInt8], consumed: Int)
        case failed(HTTPParseError)
        case needMoreBytes
    }

    var outcome: Outcome
    /// The buffered bytes after the message once it is complete and the rest of the input was
    /// written: they belong to the next request and must be intact.
    var unconsumed: [UInt8] = []
}

/// A request head in front of the body: the decoder must leave it untouched.
private let head = Array("POST /batch HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
/// A second request pipelined behind the body.
private let nextRequest = Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8)

/// Writes the head, then `input` in the pieces ending at `ends`, decoding after each write as
/// the connection does; after completion the rest of `input` is written too.
private func run(_ input: [UInt8], ends: [Int], _ row: ChunkedCase) -> ChunkedRun {
    let buffer = ByteBuffer(capacity: 16)  // small: writes grow and compact it between calls
    buffer.write(bytes: [0x21, 0x21, 0x21])  // an earlier request, already consumed
    buffer.moveReaderIndex(to: 3)
    buffer.write(bytes: head)
    var decoder = ChunkedDecoder(maxBodyBytes: row.maxBodyBytes, maxTrailerBytes: row.maxTrailerBytes)
    var fed = 0
    var result = ChunkedDecodeResult.needMoreBytes
    for end in ends {
        buffer.write(bytes: Array(input[fed..<end]))
        fed = end
        result = decoder.decode(in: buffer, bodyOffset: head.count)
        if result != .needMoreBytes { break }
    }
    #expect(Array(buffer.view(offset: buffer.readerIndex, count: head.count)) == head, "the head was changed")
    switch result {
    case .needMoreBytes:
        return ChunkedRun(outcome: .needMoreBytes)
    case .failed(let error):
        return ChunkedRun(outcome: .failed(error))
    case .complete(let bodyLength, let messageLength):
        let decoded = Array(buffer.view(offset: buffer.readerIndex + head.count, count: bodyLength))
        let consumed = fed - (buffer.readableBytes - messageLength)
        buffer.write(bytes: Array(input[fed...]))
        let unconsumed = Array(buffer.view(offset: buffer.readerIndex + messageLength,
                                           count: buffer.readableBytes - messageLength))
        return ChunkedRun(outcome: .complete(decoded: decoded, consumed: consumed), unconsumed: unconsumed)
    }
}

private func wholeAndByteByByte(_ input: [UInt8], _ row: ChunkedCase) -> [(String, ChunkedRun)] {
    [("whole", run(input, ends: [input.count], row)),
     ("byte by byte", run(input, ends: input.isEmpty ? [0] : Array(1...input.count), row))]
}

private let maxLine = ChunkedDecoder.maxLineBytes
/// A size line "1;x=aaa..." of exactly `length` bytes before its CRLF.
private func sizeLine(length: Int) -> String { "1;x=" + String(repeating: "a", count: length - 4) }

@Suite struct ChunkedDecoderTests {
    static let cases: [ChunkedCase] = [
        // Valid bodies.
        ChunkedCase("one chunk", "5\r\nhello\r\n0\r\n\r\n", .decoded("hello")),
        ChunkedCase("zero-size last chunk only", "0\r\n\r\n", .decoded("")),
        ChunkedCase("several chunks", "3\r\nabc\r\n1\r\nd\r\n2\r\nef\r\n0\r\n\r\n", .decoded("abcdef")),
        ChunkedCase("hex sizes in upper and lower case", "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n",
                    .decoded("0123456789abcdefghijk")),
        ChunkedCase("leading zeros do not count as digits", "0000000000000000005\r\nhello\r\n000\r\n\r\n", .decoded("hello")),
        ChunkedCase("data holding CRLF and digits", "7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n", .decoded("\r\n0\r\n\r\n")),
        ChunkedCase("extensions with token and quoted values", "2;x=\"a b\"\r\nhi\r\n1;flag\r\n!\r\n0;last=1\r\n\r\n",
                    .decoded("hi!")),
        ChunkedCase("quoted extension value with a quoted-pair", "1;q=\"a\\\"b\"\r\nx\r\n0\r\n\r\n", .decoded("x")),
        ChunkedCase("BWS around ';' and '='", "1 ;\tname = value ; other\r\nx\r\n0\r\n\r\n", .decoded("x")),
        ChunkedCase("trailers, one with an empty value", "3\r\nabc\r\n0\r\nTrailer-A: 1\r\nX-Empty:\r\n\r\n", .decoded("abc")),
        ChunkedCase("body exactly at the cap", "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", maxBodyBytes: 5, .decoded("abcde")),
        ChunkedCase("trailer exactly at the cap", "0\r\nA: 1\r\n\r\n", maxTrailerBytes: 6, .decoded("")),
        ChunkedCase("size line of exactly the line limit", sizeLine(length: maxLine) + "\r\nx\r\n0\r\n\r\n", .decoded("x")),
        ChunkedCase("trailer line of exactly the line limit",
                    "0\r\nA: " + String(repeating: "b", count: maxLine - 3) + "\r\n\r\n", maxTrailerBytes: 1 << 16,
                    .decoded("")),

        // Chunk size (RFC 9112 §7.1: chunk-size = 1*HEXDIG).
        ChunkedCase("non-hex size", "zz\r\n", .failed(.invalidChunkSize)),
        ChunkedCase("empty size", "\r\n", .failed(.invalidChunkSize)),
        ChunkedCase("0x prefix", "0x1\r\na\r\n0\r\n\r\n", .failed(.invalidChunkSize)),
        ChunkedCase("negative size", "-1\r\n", .failed(.invalidChunkSize)),
        ChunkedCase("plus sign", "+1\r\na\r\n0\r\n\r\n", .failed(.invalidChunkSize)),
        ChunkedCase("16 significant digits overflow", "1000000000000000\r\n", .failed(.invalidChunkSize)),
        ChunkedCase("19 digits overflow", "fffffffffffffffffff\r\n", .failed(.invalidChunkSize)),
        ChunkedCase("15 digits is a size, over the cap", "fffffffffffffff\r\n", .failed(.bodyTooLarge(limit: 1 << 20))),
        ChunkedCase("CR inside the size line", "3\rabc\r\n0\r\n\r\n", .failed(.invalidChunkSize)),

        // Whitespace (RFC 9112 §7.1.1: BWS only before ';' or '=').
        ChunkedCase("space before the size", " 1\r\na\r\n0\r\n\r\n", .failed(.invalidChunkSize)),
        ChunkedCase("space after the size", "1 \r\na\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("tab after the size", "1\t\r\na\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("space inside the size", "1 2\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("space after an extension value", "1;a=b \r\na\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("space after the last-chunk size", "0 \r\n\r\n", .failed(.invalidChunkExtension)),

        // Extensions.
        ChunkedCase("extension without a name", "3;=x\r\nabc\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("lone ';'", "1;\r\na\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("'=' without a value", "1;a=\r\na\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("two names without ';'", "1;a b\r\na\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("unterminated quoted value", "1;a=\"open\r\na\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),
        ChunkedCase("control byte in a quoted value", "1;a=\"\u{1}\"\r\na\r\n0\r\n\r\n", .failed(.invalidChunkExtension)),

        // Line endings and data framing.
        ChunkedCase("bare LF after the size", "3\nabc\r\n0\r\n\r\n", .failed(.bareLineFeed)),
        ChunkedCase("bare LF after a trailer", "0\r\nA: b\n\r\n", .failed(.bareLineFeed)),
        ChunkedCase("bare LF ending the trailers", "0\r\n\n", .failed(.bareLineFeed)),
        ChunkedCase("data longer than its size", "3\r\nabcX\r\n0\r\n\r\n", .failed(.missingChunkTerminator)),
        ChunkedCase("data followed by CR and not LF", "3\r\nabc\rX", .failed(.missingChunkTerminator)),
        ChunkedCase("data followed by a bare LF", "3\r\nabc\n0\r\n\r\n", .failed(.missingChunkTerminator)),

        // Trailers are field lines (RFC 9112 §7.1.2).
        ChunkedCase("trailer with space before the colon", "0\r\nBad Trailer: x\r\n\r\n", .failed(.whitespaceBeforeColon)),
        ChunkedCase("trailer starting with whitespace", "0\r\n folded\r\n\r\n", .failed(.obsoleteLineFolding)),
        ChunkedCase("trailer without a colon", "0\r\nNoColon\r\n\r\n", .failed(.invalidHeaderName)),
        ChunkedCase("trailer with a control byte", "0\r\nA: b\u{1}\r\n\r\n", .failed(.invalidHeaderValue)),
        ChunkedCase("trailer with a bare CR", "0\r\nA: b\rc\r\n\r\n", .failed(.bareCarriageReturn)),

        // Caps.
        ChunkedCase("one chunk over the cap", "6\r\nabcdef\r\n0\r\n\r\n", maxBodyBytes: 5, .failed(.bodyTooLarge(limit: 5))),
        ChunkedCase("chunks adding up over the cap", "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", maxBodyBytes: 5,
                    .failed(.bodyTooLarge(limit: 5))),
        ChunkedCase("trailer over the cap", "0\r\nA: 1\r\n\r\n", maxTrailerBytes: 5, .failed(.headTooLarge(limit: 5))),
        ChunkedCase("trailers adding up over the cap", "0\r\nA: 1\r\nB: 2\r\n\r\n", maxTrailerBytes: 11,
                    .failed(.headTooLarge(limit: 11))),
        ChunkedCase("size line one over the line limit", sizeLine(length: maxLine + 1) + "\r\nx\r\n0\r\n\r\n",
                    .failed(.chunkLineTooLong(limit: maxLine))),
        ChunkedCase("endless size line", "1;" + String(repeating: "a", count: maxLine + 10),
                    .failed(.chunkLineTooLong(limit: maxLine))),
        ChunkedCase("trailer line one over the line limit",
                    "0\r\nA: " + String(repeating: "b", count: maxLine - 2) + "\r\n\r\n", maxTrailerBytes: 1 << 16,
                    .failed(.chunkLineTooLong(limit: maxLine))),

        // Incomplete bodies.
        ChunkedCase("nothing yet", "", .needMoreBytes),
        ChunkedCase("inside the data", "5\r\nhel", .needMoreBytes),
        ChunkedCase("before the data's CRLF", "5\r\nhello\r", .needMoreBytes),
        ChunkedCase("after the last chunk", "0\r\n", .needMoreBytes),
        ChunkedCase("inside the trailers", "0\r\nA: 1\r\n", .needMoreBytes),
    ]

    @Test(arguments: cases)
    func chunkedBody_DecodesExactly_WholeAndByteByByte(row: ChunkedCase) {
        let expected: ChunkedRun.Outcome = switch row.expected {
        case .decoded(let text): .complete(decoded: Array(text.utf8), consumed: row.encoded.count)
        case .failed(let error): .failed(error)
        case .needMoreBytes: .needMoreBytes
        }
        for (feed, result) in wholeAndByteByByte(row.encoded, row) {
            #expect(result.outcome == expected, "fed \(feed)")
            #expect(result.unconsumed.isEmpty, "fed \(feed)")
        }
    }

    @Test(arguments: cases.filter { $0.expected != .needMoreBytes })
    func pipelinedRequest_StaysUnconsumed(row: ChunkedCase) {
        let expected: ChunkedRun = switch row.expected {
        case .decoded(let text): ChunkedRun(outcome: .complete(decoded: Array(text.utf8), consumed: row.encoded.count),
                                            unconsumed: nextRequest)
        case .failed(let error): ChunkedRun(outcome: .failed(error))
        case .needMoreBytes: ChunkedRun(outcome: .needMoreBytes)
        }
        for (feed, result) in wholeAndByteByByte(row.encoded + nextRequest, row) {
            #expect(result == expected, "fed \(feed)")
        }
    }

    /// Regression: a line of exactly the limit whose LF had not arrived yet (its CR had) was
    /// `chunkLineTooLong`, while the same line received whole was accepted.
    @Test func lineOfExactlyTheLimit_SplitBeforeItsLF_IsAccepted() {
        let encoded = Array((sizeLine(length: maxLine) + "\r\nx\r\n0\r\n\r\n").utf8)
        let row = ChunkedCase("split", "", .decoded("x"))
        let beforeLF = maxLine + 1
        #expect(run(encoded, ends: [beforeLF, encoded.count], row).outcome
            == .complete(decoded: Array("x".utf8), consumed: encoded.count))
    }
}
