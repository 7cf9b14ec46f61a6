/// One field line, header or trailer, checked and split: field-line = field-name ":" OWS
/// field-value OWS (RFC 9112 §5). The one validator both `HeadParser` and `ChunkedDecoder`
/// use, so a header and a trailer are refused for the same reasons.
///
///     FieldLine(line)   // "Host:  a " -> .valid(nameEnd: 4, valueStart: 7, valueEnd: 8)
///                       // "Host : a" -> .invalid(.whitespaceBeforeColon)
enum FieldLine: Equatable {
    /// The name is `line[0..<nameEnd]`, the value without surrounding OWS `line[valueStart..<valueEnd]`.
    case valid(nameEnd: Int, valueStart: Int, valueEnd: Int)
    case invalid(HTTPParseError)

    /// Checks `line`, which is not empty and has no line ending.
    @inline(__always)
    init(_ line: UnsafeRawBufferPointer) {
        // RFC 9112 §5.2: obs-fold is rejected with 400; a line starting with whitespace is one.
        if ByteClass.isWhitespace(line[0]) { self = .invalid(.obsoleteLineFolding); return }
        var colon = 0
        while colon < line.count, ByteClass.isToken(line[colon]) { colon += 1 }
        guard colon > 0, colon < line.count, line[colon] == UInt8(ascii: ":") else {
            // RFC 9112 §5.1: no whitespace between the name and the colon.
            self = .invalid(colon > 0 && colon < line.count && ByteClass.isWhitespace(line[colon])
                ? .whitespaceBeforeColon : .invalidHeaderName)
            return
        }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, ByteClass.isWhitespace(line[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, ByteClass.isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
        for index in valueStart..<valueEnd where !ByteClass.isFieldValue(line[index]) {
            self = .invalid(line[index] == UInt8(ascii: "\r") ? .bareCarriageReturn : .invalidHeaderValue)
            return
        }
        self = .valid(nameEnd: colon, valueStart: valueStart, valueEnd: valueEnd)
    }
}
