import SluiceHTTP
import Testing

/// Feeds a head whole and byte by byte; both must agree.
private func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> (HeadParseResult, ParsedHead, [HeaderField]) {
    let bytes = Array(text.utf8)
    var whole = HeadParser(limits: limits)
    let wholeResult = bytes.withUnsafeBytes { whole.parse($0) }
    var incremental = HeadParser(limits: limits)
    var incrementalResult = HeadParseResult.needMoreBytes
    for end in 1...bytes.count {
        incrementalResult = bytes[0..<end].withUnsafeBytes { incremental.parse($0) }
        if incrementalResult != .needMoreBytes { break }
    }
    #expect(wholeResult == incrementalResult, "byte-by-byte parsing disagrees with whole parsing")
    return (wholeResult, whole.head, whole.fields)
}

@Suite struct HeadParserTests {
    @Test func simpleGet_IsComplete_WithPathAndNoBody() {
        let text = "GET /healthz?x=1 HTTP/1.1\r\nHost: example\r\n\r\n"
        let (result, head, fields) = parse(text)
        #expect(result == .complete(headLength: text.utf8.count))
        #expect(head.method == .get)
        #expect(head.version == .http11)
        #expect(head.framing == .none)
        #expect(fields.count == 1)
        let path = Array(text.utf8)[head.pathStart..<head.pathEnd]
        #expect(String(decoding: path, as: UTF8.self) == "/healthz")
    }

    @Test func absoluteFormTarget_YieldsItsPath() {
        let text = "GET http://example.com:8080/readyz?a HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"
        let (result, head, _) = parse(text)
        #expect(result == .complete(headLength: text.utf8.count))
        #expect(String(decoding: Array(text.utf8)[head.pathStart..<head.pathEnd], as: UTF8.self) == "/readyz")
    }

    @Test func leadingEmptyLines_AreIgnored() {
        let text = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parse(text).0 == .complete(headLength: text.utf8.count))
    }

    @Test func http10_WithoutKeepAlive_WantsClose_AndNeedsNoHost() {
        #expect(parse("GET / HTTP/1.0\r\n\r\n").1.wantsClose)
        #expect(!parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").1.wantsClose)
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n").1.wantsClose)
    }

    @Test func higherMinorVersion_IsTreatedAsHTTP11() {
        let (result, head, _) = parse("GET / HTTP/1.7\r\nHost: a\r\n\r\n")
        #expect(result != .failed(.unsupportedVersion))
        #expect(head.version == .http11)
    }

    @Test func framing_IsResolved() {
        #expect(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n").1.framing == .length(12))
        #expect(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\n\r\n").1.framing == .length(7))
        #expect(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n").1.framing == .chunked)
        #expect(parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").1.expectsContinue)
    }

    @Test func fieldValues_AreTrimmed_AndMayHoldObsText() {
        let text = "GET / HTTP/1.1\r\nHost: a\r\nX-Thing: \t caf\u{e9} \t\r\n\r\n"
        let (result, _, fields) = parse(text)
        #expect(result == .complete(headLength: text.utf8.count))
        let field = fields[1]
        #expect(String(decoding: Array(text.utf8)[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self) == "caf\u{e9}")
    }

    static let malformed: [(String, HTTPParseError)] = [
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", .contentLengthWithTransferEncoding),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .conflictingContentLength),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", .conflictingContentLength),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", .invalidContentLength),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", .invalidContentLength),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", .invalidContentLength),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .chunkedNotFinal),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", .chunkedNotFinal),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", .unsupportedTransferEncoding),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingInHTTP10),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  folded\r\n\r\n", .obsoleteLineFolding),
        ("GET / HTTP/1.1\r\n Host: a\r\n\r\n", .obsoleteLineFolding),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u{0}c\r\n\r\n", .invalidHeaderValue),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", .bareCarriageReturn),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u{7f}\r\n\r\n", .invalidHeaderValue),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", .whitespaceBeforeColon),
        ("GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", .invalidHeaderName),
        ("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", .invalidHeaderName),
        ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .invalidHeaderName),
        ("GET / HTTP/1.1\r\n\r\n", .missingHost),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion),
        ("GET / HTTP/0.9\r\nHost: a\r\n\r\n", .unsupportedVersion),
        ("GET / http/1.1\r\nHost: a\r\n\r\n", .malformedVersion),
        ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .malformedVersion),
        ("GET / HTTP/11\r\nHost: a\r\n\r\n", .malformedVersion),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        ("GET /\r\nHost: a\r\n\r\n", .malformedRequestLine),
        ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod),
        (" GET / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod),
        ("GET /a\u{1}b HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("GET caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("GET foo HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", .invalidTarget),
        ("GET / HTTP/1.1\nHost: a\r\n\r\n", .bareLineFeed),
        ("GET / HTTP/1.1\r\nHost: a\n\r\n", .bareLineFeed),
        ("GET / HTTP/1.1\r\nHost: a\r\n\n", .bareLineFeed),
        ("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", .unsupportedExpectation),
    ]

    @Test(arguments: malformed)
    func malformedHead_FailsWithExactError(text: String, error: HTTPParseError) {
        #expect(parse(text).0 == .failed(error))
    }

    @Test func longRequestLine_Is414_EvenBeforeItEnds() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        let long = "GET /" + String(repeating: "a", count: 100)
        #expect(parse(long + " HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits).0 == .failed(.requestLineTooLong(limit: 64)))
        var parser = HeadParser(limits: limits)
        #expect(Array(long.utf8).withUnsafeBytes { parser.parse($0) } == .failed(.requestLineTooLong(limit: 64)))
    }

    @Test func headerLimits_Are431() {
        var limits = HTTPLimits()
        limits.maxHeaderCount = 3
        limits.maxHeaderBytes = 200
        let many = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        #expect(parse(many, limits: limits).0 == .failed(.tooManyHeaders(limit: 3)))
        let big = "GET / HTTP/1.1\r\nHost: a\r\nA: " + String(repeating: "x", count: 300) + "\r\n\r\n"
        #expect(parse(big, limits: limits).0 == .failed(.headTooLarge(limit: 200)))
    }

    /// Regression (found by the head-parser fuzz target): with its CR in and its LF not yet,
    /// a request line of exactly the limit was 414, though the same line received whole passed.
    @Test func requestLineOfExactlyTheLimit_IsAccepted_HoweverSplit() {
        let text = "GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = "GET /healthz?x=1 HTTP/1.1".utf8.count
        #expect(parse(text, limits: limits).0 == .complete(headLength: text.utf8.count))
        var parser = HeadParser(limits: limits)
        let bytes = Array(text.utf8)
        #expect(bytes[..<(limits.maxRequestLineBytes + 1)].withUnsafeBytes { parser.parse($0) } == .needMoreBytes)
        #expect(bytes.withUnsafeBytes { parser.parse($0) } == .complete(headLength: bytes.count))
        limits.maxRequestLineBytes -= 1
        #expect(parse(text, limits: limits).0 == .failed(.requestLineTooLong(limit: limits.maxRequestLineBytes)))
    }

    /// Regression (found by the head-parser fuzz target): a bare LF beyond a limit was
    /// `bareLineFeed` when the bytes came at once but the limit's error when they came slowly.
    @Test func bareLineFeedBeyondALimit_IsTheLimitsError_HoweverSplit() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 4
        #expect(parse("GET / HTTP/1.1\nHost: a\r\n\r\n", limits: limits).0 == .failed(.requestLineTooLong(limit: 4)))
        limits = HTTPLimits()
        limits.maxHeaderBytes = 30
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nX: 12345\n\r\n", limits: limits).0 == .failed(.headTooLarge(limit: 30)))
    }

    @Test func hugeContentLength_Saturates() {
        let (result, head, _) = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n")
        #expect(result != .needMoreBytes)
        #expect(head.framing == .length(Int.max))
    }

    /// Every byte but CR and LF (they end lines, tested elsewhere), as the first byte of a field
    /// name and inside a Host value: accepted exactly when RFC 9110 lists it (tchar §5.6.2;
    /// uri-host [":" port], RFC 3986 §3.2.2, with "[" "]" and "%" for IP literals and escapes).
    @Test func fieldNamesAndHostValues_AcceptExactlyTheirRFCBytes() {
        let alphanumerics = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8))
        let tchar = alphanumerics.union("!#$%&'*+-.^_`|~".utf8)
        let hostByte = alphanumerics.union("-._~!$&'()*+,;=:[]%".utf8)
        func parses(_ head: [UInt8]) -> Bool {
            var parser = HeadParser(limits: HTTPLimits())
            let result = head.withUnsafeBytes { parser.parse($0) }
            return result == .complete(headLength: head.count)
        }
        for value in 0...255 where value != 0x0A && value != 0x0D {
            let byte = UInt8(value)
            let name = Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8) + [byte] + Array("X: v\r\n\r\n".utf8)
            #expect(parses(name) == tchar.contains(byte), "field name starting with byte \(value)")
            let host = Array("GET / HTTP/1.1\r\nHost: a".utf8) + [byte] + Array("b\r\n\r\n".utf8)
            #expect(parses(host) == hostByte.contains(byte), "Host value holding byte \(value)")
        }
    }
}
