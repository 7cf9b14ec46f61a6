import SluiceHTTP
import Testing

/// Feeds `bytes` whole, then byte by byte; returns both results and how many bytes the byte-by-byte
/// parser had when it stopped asking for more (nil if it never did).
private func feed(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> (whole: HeadParseResult, incremental: HeadParseResult, decidedAt: Int?) {
    var whole = HeadParser(limits: limits)
    let wholeResult = bytes.withUnsafeBytes { whole.parse($0) }
    var incremental = HeadParser(limits: limits)
    for end in 1...bytes.count {
        let result = bytes[0..<end].withUnsafeBytes { incremental.parse($0) }
        if result != .needMoreBytes { return (wholeResult, result, end) }
    }
    return (wholeResult, .needMoreBytes, nil)
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A request line is refused at the first byte that can never be part of a valid one, without
/// waiting for a CRLF, a limit or the header deadline (as llhttp does).
@Suite struct RequestLineRejectionTests {
    /// (input without any line end, the error, the index of the offending byte)
    static let offending: [([UInt8], HTTPParseError, Int)] = [
        ([0x16, 0x03, 0x01, 0x02, 0x00, 0x01], .invalidMethod, 0),  // a TLS ClientHello
        ([0x00, 0x00, 0x00], .invalidMethod, 0),
        ([0x80, 0x81], .invalidMethod, 0),
        (bytes(" GET /"), .invalidMethod, 0),
        (bytes("GE(T /"), .invalidMethod, 2),
        (bytes("GET\u{7f} /"), .invalidMethod, 3),
        (bytes("GET\t/ HTTP/1.1"), .invalidMethod, 3),
        (bytes("GET\r"), .malformedRequestLine, 3),
        (bytes("GET\n"), .bareLineFeed, 3),
        (bytes("GET  /"), .malformedRequestLine, 4),
        (bytes("GET /a\u{1}b"), .invalidTarget, 6),
        (bytes("GET /\u{0}"), .invalidTarget, 5),
        (bytes("GET \u{7f}"), .invalidTarget, 4),
        (bytes("GET /caf\u{e9} HTTP/1.1"), .invalidTarget, 8),
        (bytes("GET /\t"), .invalidTarget, 5),
        (bytes("GET /\r"), .malformedRequestLine, 5),
        (bytes("GET /\n"), .bareLineFeed, 5),
        (bytes("GET / http/1.1"), .malformedVersion, 6),
        (bytes("GET / HTTPS/1.1"), .malformedVersion, 10),
        (bytes("GET / HTTP/x.1"), .malformedVersion, 11),
        (bytes("GET / HTTP/1,1"), .malformedVersion, 12),
        (bytes("GET / HTTP/11"), .malformedVersion, 12),
        (bytes("GET / HTTP/1\r\n"), .malformedVersion, 12),
        (bytes("GET / / HTTP/1.1"), .malformedVersion, 6),
        (bytes("GET / HTTP/1.1 "), .malformedVersion, 14),
        (bytes("GET / HTTP/1.10"), .malformedVersion, 14),
        (bytes("GET / HTTP/1.1\n"), .bareLineFeed, 14),
        (bytes("GET / HTTP/1.1\rX"), .bareCarriageReturn, 15),
        (bytes("\n"), .bareLineFeed, 0),
        (bytes("\rX"), .bareCarriageReturn, 1),
        (bytes("\r\n\r\n\u{16}\u{3}"), .invalidMethod, 4),  // junk after the empty lines RFC 9112 §2.2 lets us skip
    ]

    @Test(arguments: offending)
    func badByte_FailsTheParse_AtThatByte(input: [UInt8], error: HTTPParseError, index: Int) {
        let result = feed(input)
        #expect(result.whole == .failed(error))
        #expect(result.incremental == .failed(error))
        #expect(result.decidedAt == index + 1, "decided after \(result.decidedAt.map(String.init) ?? "never") bytes, not at byte \(index)")
    }

    @Test func eightKiBOfBinary_WithoutALineEnd_Is400AtTheFirstByte() {
        let junk = (0..<8192).map { UInt8(0x80 | ($0 & 0x7F)) }
        let result = feed(junk)
        #expect(result.whole == .failed(.invalidMethod))
        #expect(result.incremental == .failed(.invalidMethod))
        #expect(result.decidedAt == 1)

        // Junk behind a plausible method: refused at the first byte of the target.
        let behindMethod = bytes("POST ") + junk
        #expect(feed(behindMethod).whole == .failed(.invalidTarget))
        #expect(feed(behindMethod).decidedAt == 6)
    }

    static let validPrefixes = [
        "\r", "\r\n", "\r\n\r", "G", "GET", "GET ", "GET /x", "GET /x ", "GET /x H", "GET /x HTTP/1.",
        "GET /x HTTP/1.1", "GET /x HTTP/1.1\r", "GET /x HTTP/1.1\r\n", "PRI * HTTP/2.0\r",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n", "GET http://example.com/?q=%20 HTTP/1.0\r",
    ]

    @Test(arguments: validPrefixes)
    func validPrefix_AsksForMoreBytes(prefix: String) {
        let result = feed(bytes(prefix))
        #expect(result.whole == .needMoreBytes)
        #expect(result.incremental == .needMoreBytes)
    }

    @Test func emptyLinesBeforeTheRequestLine_AreIgnored_UpToEight() {
        let request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        for count in [1, 8] {
            let text = String(repeating: "\r\n", count: count) + request
            let result = feed(bytes(text))
            #expect(result.whole == .complete(headLength: text.utf8.count))
            #expect(result.incremental == result.whole)
        }
        let tooMany = feed(bytes(String(repeating: "\r\n", count: 9) + request))
        #expect(tooMany.whole == .failed(.malformedRequestLine))
        #expect(tooMany.incremental == .failed(.malformedRequestLine))
    }

    @Test func requestLineLimit_HoldsExactly_WholeAndByteByByte() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        limits.maxHeaderBytes = 1024
        let fits = "GET /" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1"  // exactly 64 bytes
        #expect(fits.utf8.count == 64)
        let accepted = feed(bytes(fits + "\r\nHost: a\r\n\r\n"), limits: limits)
        #expect(accepted.whole == .complete(headLength: fits.utf8.count + 13))
        #expect(accepted.incremental == accepted.whole)

        let over = feed(bytes("GET /a" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1\r\nHost: a\r\n\r\n"), limits: limits)
        #expect(over.whole == .failed(.requestLineTooLong(limit: 64)))
        #expect(over.incremental == over.whole)

        // A bad byte beyond the limit is never reached: 414 either way.
        let badBeyond = feed(bytes("GET /" + String(repeating: "a", count: 200) + "\u{1}"), limits: limits)
        #expect(badBeyond.whole == .failed(.requestLineTooLong(limit: 64)))
        #expect(badBeyond.incremental == badBeyond.whole)
        // Within the limit, the bad byte decides.
        let badWithin = feed(bytes("GET /" + String(repeating: "a", count: 20) + "\u{1}" + String(repeating: "a", count: 200)), limits: limits)
        #expect(badWithin.whole == .failed(.invalidTarget))
        #expect(badWithin.decidedAt == 26)
    }
}
