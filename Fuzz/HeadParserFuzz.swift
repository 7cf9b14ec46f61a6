import SluiceHTTP

/// Fuzz target `head-parser`: `HeadParser` over arbitrary bytes.
///
/// Input: 4 configuration bytes, then the head. Byte 0 with its high bit set picks small limits
/// (request line 4 + (b0 & 0x7F), header section 8 + 2 * b1, 0...15 fields from b2) so that
/// inputs reach them; otherwise the defaults apply. Byte 3 picks a split point.
///
/// Invariants:
/// - parsing the head whole, byte by byte, and in two parts split at the chosen point gives
///   the same result; a complete head gives the same `ParsedHead` and fields;
/// - `reset()` then parsing again gives the same result;
/// - a complete head ends in CRLF CRLF, its length respects the limits, and every reported
///   range (target, path, field names and values) lies inside the head, in order, holding only
///   the bytes its grammar allows;
/// - the framing agrees with the fields: chunked needs a Transfer-Encoding field and no
///   Content-Length, a length needs a Content-Length field; HTTP/1.1 has exactly one Host.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeadParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard input.count >= 4 else { return 0 }
    var limits = HTTPLimits()
    if input[0] & 0x80 != 0 {
        limits.maxRequestLineBytes = 4 + Int(input[0] & 0x7F)
        limits.maxHeaderBytes = 8 + 2 * Int(input[1])
        limits.maxHeaderCount = Int(input[2] & 0x0F)
    }
    let bytes = Array(input[4...])
    let split = Int(input[3]) * bytes.count / 255

    let whole = HeadParse.whole(bytes, limits: limits)
    let byteByByte = HeadParse.incremental(bytes, limits: limits, ends: bytes.isEmpty ? [0] : Array(1...bytes.count))
    let twoParts = HeadParse.incremental(bytes, limits: limits, ends: [split, bytes.count])
    require(byteByByte == whole, "byte by byte \(byteByByte.result) != whole \(whole.result) for \(describe(bytes))")
    require(twoParts == whole, "split at \(split) \(twoParts.result) != whole \(whole.result) for \(describe(bytes))")

    var reused = HeadParser(limits: limits)
    _ = bytes.withUnsafeBytes { reused.parse($0) }
    reused.reset()
    let again = HeadParse(result: bytes.withUnsafeBytes { reused.parse($0) }, parser: reused)
    require(again == whole, "after reset() \(again.result) != \(whole.result)")

    if case .complete(let headLength) = whole.result {
        checkCompleteHead(bytes, headLength: headLength, head: whole.head, fields: whole.fields, limits: limits)
        checkExactLimits(bytes, headLength: headLength, whole: whole, limits: limits)
    }
    return 0
}

/// Each limit set to what the head uses still parses it, whole and byte by byte; one less fails
/// with that limit's error.
private func checkExactLimits(_ bytes: [UInt8], headLength: Int, whole: HeadParse, limits: HTTPLimits) {
    guard let head = whole.head else { return }
    let lineStart = bytes[..<head.targetStart].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
    let requestLineLength = bytes[head.targetEnd...].firstIndex(of: 0x0D)! - lineStart
    let variants: [(String, WritableKeyPath<HTTPLimits, Int>, Int, HTTPParseError)] = [
        ("request line", \.maxRequestLineBytes, requestLineLength, .requestLineTooLong(limit: requestLineLength - 1)),
        ("header section", \.maxHeaderBytes, headLength, .headTooLarge(limit: headLength - 1)),
        ("field count", \.maxHeaderCount, whole.fields.count, .tooManyHeaders(limit: whole.fields.count - 1)),
    ]
    for (name, limit, used, error) in variants {
        var exact = limits
        exact[keyPath: limit] = used
        for parse in [HeadParse.whole(bytes, limits: exact),
                      HeadParse.incremental(bytes, limits: exact, ends: Array(1...bytes.count))] {
            require(parse == whole, "\(name) limit at the \(used) the head uses: \(parse.result), not \(whole.result)")
        }
        guard used > 0 else { continue }
        var under = limits
        under[keyPath: limit] = used - 1
        for parse in [HeadParse.whole(bytes, limits: under),
                      HeadParse.incremental(bytes, limits: under, ends: Array(1...bytes.count))] {
            require(parse.result == .failed(error), "\(name) limit one under the \(used) the head uses: \(parse.result)")
        }
    }
}

/// What one way of feeding the parser ended with.
private struct HeadParse: Equatable {
    var result: HeadParseResult
    var head: ParsedHead?
    var fields: [HeaderField] = []

    init(result: HeadParseResult, parser: HeadParser) {
        self.result = result
        if case .complete = result {
            head = parser.head
            fields = parser.fields
        }
    }

    static func whole(_ bytes: [UInt8], limits: HTTPLimits) -> HeadParse {
        var parser = HeadParser(limits: limits)
        let result = bytes.withUnsafeBytes { parser.parse($0) }
        return HeadParse(result: result, parser: parser)
    }

    /// Feeds the prefixes ending at `ends` (ascending), as a connection does when bytes arrive.
    static func incremental(_ bytes: [UInt8], limits: HTTPLimits, ends: [Int]) -> HeadParse {
        var parser = HeadParser(limits: limits)
        var result = HeadParseResult.needMoreBytes
        for end in ends {
            result = bytes[0..<min(end, bytes.count)].withUnsafeBytes { parser.parse($0) }
            if result != .needMoreBytes { break }
        }
        return HeadParse(result: result, parser: parser)
    }
}

private func checkCompleteHead(
    _ bytes: [UInt8], headLength: Int, head: ParsedHead?, fields: [HeaderField], limits: HTTPLimits
) {
    guard let head else { return require(false, "complete without a head") }
    require(headLength >= 4 && headLength <= bytes.count, "head length \(headLength) outside the input (\(bytes.count))")
    require(headLength <= limits.maxHeaderBytes, "head length \(headLength) over the limit \(limits.maxHeaderBytes)")
    require(Array(bytes[(headLength - 4)..<headLength]) == Array("\r\n\r\n".utf8), "head does not end in CRLF CRLF")
    require(fields.count <= limits.maxHeaderCount, "\(fields.count) fields over the limit \(limits.maxHeaderCount)")

    require(head.targetStart < head.targetEnd && head.targetEnd <= headLength, "target \(head.targetStart)..<\(head.targetEnd) outside the head")
    require(bytes[head.targetStart..<head.targetEnd].allSatisfy { $0 > 0x20 && $0 < 0x7F }, "target holds a byte outside VCHAR")
    require(head.targetStart >= 2 && bytes[head.targetStart - 1] == UInt8(ascii: " "), "target not preceded by SP")
    require(head.pathStart >= head.targetStart && head.pathStart <= head.pathEnd && head.pathEnd <= head.targetEnd,
            "path \(head.pathStart)..<\(head.pathEnd) outside the target \(head.targetStart)..<\(head.targetEnd)")
    if head.pathEnd > head.pathStart {
        require(bytes[head.pathStart] == UInt8(ascii: "/"), "path does not start with '/'")
        require(!bytes[head.pathStart..<head.pathEnd].contains(UInt8(ascii: "?")), "path holds the query")
    }
    // The request line: method SP target SP version, shorter than the limit.
    let lineStart = bytes[..<head.targetStart].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
    let lineEnd = bytes[head.targetEnd...].firstIndex(of: 0x0D)!
    require(lineEnd - lineStart <= limits.maxRequestLineBytes, "request line of \(lineEnd - lineStart) bytes over the limit")

    var previousEnd = lineEnd
    var hostCount = 0, hasContentLength = false, hasTransferEncoding = false
    for field in fields {
        let nameStart = Int(field.nameStart), nameEnd = Int(field.nameEnd)
        let valueStart = Int(field.valueStart), valueEnd = Int(field.valueEnd)
        require(nameStart > previousEnd && nameStart < nameEnd && valueStart > nameEnd, "field ranges out of order: \(field)")
        require(valueStart <= valueEnd && valueEnd <= headLength - 4, "field value outside the head: \(field)")
        require(Array(bytes[(nameStart - 2)..<nameStart]) == Array("\r\n".utf8), "field name does not start a line")
        require(bytes[nameEnd] == UInt8(ascii: ":"), "field name not followed by ':'")
        let name = bytes[nameStart..<nameEnd]
        require(name.allSatisfy(isTokenByte), "field name holds a non-token byte: \(describe(name))")
        let value = bytes[valueStart..<valueEnd]
        require(value.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }, "field value holds a control byte")
        require(value.first.map { $0 != 0x20 && $0 != 0x09 } ?? true, "field value starts with whitespace")
        require(value.last.map { $0 != 0x20 && $0 != 0x09 } ?? true, "field value ends with whitespace")
        require(bytes[nameEnd + 1..<valueStart].allSatisfy { $0 == 0x20 || $0 == 0x09 }, "bytes skipped before the value")
        let lowercased = String(decoding: name, as: UTF8.self).lowercased()
        if lowercased == "host" { hostCount += 1 }
        if lowercased == "content-length" { hasContentLength = true }
        if lowercased == "transfer-encoding" { hasTransferEncoding = true }
        previousEnd = valueEnd
    }
    switch head.framing {
    case .chunked:
        require(hasTransferEncoding && !hasContentLength, "chunked framing without Transfer-Encoding, or with Content-Length")
        require(head.version == .http11, "chunked framing in HTTP/1.0")
    case .length(let length):
        require(hasContentLength && !hasTransferEncoding && length > 0, "length framing without Content-Length")
    case .none:
        require(!hasTransferEncoding, "Transfer-Encoding without chunked framing")
    }
    if head.version == .http11 { require(hostCount == 1, "HTTP/1.1 head with \(hostCount) Host fields") }
    require(hostCount <= 1, "head with \(hostCount) Host fields")
}

/// tchar (RFC 9110 §5.6.2), written out here rather than taken from the parser.
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}
