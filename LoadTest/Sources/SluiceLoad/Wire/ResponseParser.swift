import Glibc

/// Reads one HTTP/1.1 response (RFC 9112) from bytes in whatever pieces they arrive, without
/// copying them: lines are parsed where they lie in the caller's buffer, and only a line split
/// across two reads is carried over. The first bytes of the body are copied into storage the
/// caller owns (for `"accepted"`); the rest is only counted.
///
///     var parser = ResponseParser(keptStorage: storage)   // storage outlives the parser
///     let used = try parser.consume(bytes)     // repeat as bytes arrive
///     if parser.isComplete { parser.status }   // then reset() for the next response
///
/// Framing follows RFC 9112 §6.3: 1xx interim responses are skipped, 204/304 have no body,
/// `Transfer-Encoding` with chunked last is decoded (trailers skipped), other codings and
/// responses without a length end at the close, `Content-Length` otherwise. The parser is
/// strict where a lenient reading could desynchronise the connection (differing lengths,
/// obs-fold, whitespace before a colon) and lenient where it cannot (bare LF line ends).
struct ResponseParser {
    /// Why a response could not be read; the connection is closed after any of them.
    enum Failure: Error, Equatable {
        case badStatusLine
        case badHeaderLine
        case badContentLength
        case badChunk
        /// Head (or trailers) longer than ``maxHeadBytes``.
        case headTooLarge
        /// `101 Switching Protocols`: nothing was asked to be upgraded.
        case unexpectedUpgrade
    }

    /// The most head and trailer bytes accepted for one response.
    static let maxHeadBytes = 64 * 1024

    private enum Phase {
        case head
        case fixedBody(remaining: Int)
        case untilClose
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case done
    }

    /// The final status code, once the head is read.
    private(set) var status = 0
    /// The whole response has been read.
    var isComplete: Bool { if case .done = phase { true } else { false } }
    /// The server will close the connection after this response (or its body ends at the close).
    private(set) var closesConnection = false
    /// Any byte of this response has arrived.
    private(set) var hasStarted = false
    /// Body bytes received (after chunked decoding).
    private(set) var bodyByteCount = 0

    private var phase = Phase.head
    private var headByteCount = 0
    private var isAwaitingStatusLine = true
    private var isHTTP10 = false
    private var contentLength: Int?
    private var hasTransferEncoding = false
    private var isChunkedLast = false
    private var hasCloseToken = false
    private var hasKeepAliveToken = false
    /// A line that started in an earlier read and has not ended yet.
    private var carry: [UInt8] = []
    private let kept: UnsafeMutableRawBufferPointer
    private(set) var keptCount = 0

    /// A parser that copies the first `keptStorage.count` body bytes there. The storage must
    /// outlive the parser (and its copies, which share it).
    init(keptStorage: UnsafeMutableRawBufferPointer) {
        kept = keptStorage
        carry.reserveCapacity(256)
    }

    /// The first bytes of the body (as many as the storage holds); valid until the next `consume`.
    var keptBody: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: kept[..<keptCount]) }

    /// Starts over for the next response on the same connection; keeps the buffers.
    mutating func reset() {
        status = 0
        closesConnection = false
        hasStarted = false
        bodyByteCount = 0
        phase = .head
        keptCount = 0
        carry.removeAll(keepingCapacity: true)
        startHead()
    }

    private mutating func startHead() {
        headByteCount = 0
        isAwaitingStatusLine = true
        isHTTP10 = false
        contentLength = nil
        hasTransferEncoding = false
        isChunkedLast = false
        hasCloseToken = false
        hasKeepAliveToken = false
    }

    /// Parses as much of `bytes` as belongs to this response and returns how many bytes that
    /// was: all of them unless the response completed early (the rest belongs to no request).
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Int {
        if !bytes.isEmpty { hasStarted = true }
        var index = 0
        while index < bytes.count {
            switch phase {
            case .done:
                return index
            case .fixedBody(let remaining):
                let take = min(remaining, bytes.count - index)
                keep(bytes, from: index, count: take)
                index += take
                phase = remaining == take ? .done : .fixedBody(remaining: remaining - take)
            case .chunkData(let remaining):
                let take = min(remaining, bytes.count - index)
                keep(bytes, from: index, count: take)
                index += take
                phase = remaining == take ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .untilClose:
                keep(bytes, from: index, count: bytes.count - index)
                index = bytes.count
            case .head, .chunkSize, .chunkDataEnd, .trailers:
                guard let lineEnd = Self.lineFeed(in: bytes, from: index) else {
                    try carryOver(bytes, from: index)
                    return bytes.count
                }
                try takeLine(bytes, from: index, lineFeed: lineEnd)
                index = lineEnd + 1
            }
        }
        return index
    }

    /// The connection reached end of stream; returns whether that completed the response
    /// (a body delimited by the close). Otherwise the response was cut short.
    mutating func finishAtEndOfStream() -> Bool {
        guard case .untilClose = phase else { return isComplete }
        phase = .done
        return true
    }

    // MARK: lines

    private static func lineFeed(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        // Safe: start < bytes.count and memchr reads only bytes.count - start bytes.
        guard let found = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start) else { return nil }
        return UnsafeRawPointer(found) - bytes.baseAddress!
    }

    private mutating func carryOver(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(Failure) {
        let count = bytes.count - start
        try countHead(count)
        carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...]))
    }

    private mutating func countHead(_ count: Int) throws(Failure) {
        switch phase {
        case .head, .trailers:
            headByteCount += count
            guard headByteCount <= Self.maxHeadBytes else { throw .headTooLarge }
        default:
            // Chunk-size lines and the CRLF after chunk data: short by nature.
            guard carry.count + count <= 4_096 else { throw .badChunk }
        }
    }

    /// Hands the line ending at `lineFeed` (joined with any carried part, CR stripped) to the phase.
    private mutating func takeLine(_ bytes: UnsafeRawBufferPointer, from start: Int, lineFeed: Int) throws(Failure) {
        try countHead(lineFeed + 1 - start)
        if carry.isEmpty {
            try process(line: Self.strippingCR(UnsafeRawBufferPointer(rebasing: bytes[start..<lineFeed])))
            return
        }
        var joined = carry
        carry = []
        joined.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<lineFeed]))
        defer {
            joined.removeAll(keepingCapacity: true)
            carry = joined
        }
        let outcome = joined.withUnsafeBytes { line in
            Result { () throws(Failure) in try process(line: Self.strippingCR(line)) }
        }
        try outcome.get()
    }

    private static func strippingCR(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        line.last == 0x0D ? UnsafeRawBufferPointer(rebasing: line.dropLast()) : line
    }

    private mutating func process(line: UnsafeRawBufferPointer) throws(Failure) {
        switch phase {
        case .head:
            if isAwaitingStatusLine {
                try readStatusLine(line)
            } else if line.isEmpty {
                try endHead()
            } else {
                try readHeader(line)
            }
        case .chunkSize:
            let size = try Self.chunkSize(line)
            phase = size == 0 ? .trailers : .chunkData(remaining: size)
        case .chunkDataEnd:
            guard line.isEmpty else { throw .badChunk }
            phase = .chunkSize
        case .trailers:
            if line.isEmpty {
                phase = .done
            } else {
                _ = try Self.headerName(line) // validated like a header, then ignored
            }
        case .fixedBody, .chunkData, .untilClose, .done:
            break
        }
    }

    // MARK: head

    /// `HTTP/1.x SSS[ reason]`.
    private mutating func readStatusLine(_ line: UnsafeRawBufferPointer) throws(Failure) {
        guard line.count >= 12, Self.startsWith(line, "HTTP/1.") else { throw .badStatusLine }
        let minor = line[7]
        guard minor >= 0x30, minor <= 0x39, line[8] == 0x20 else { throw .badStatusLine }
        var code = 0
        for offset in 9..<12 {
            let digit = line[offset]
            guard digit >= 0x30, digit <= 0x39 else { throw .badStatusLine }
            code = code * 10 + Int(digit - 0x30)
        }
        guard code >= 100, line.count == 12 || line[12] == 0x20 else { throw .badStatusLine }
        status = code
        isHTTP10 = minor == 0x30
        isAwaitingStatusLine = false
    }

    private mutating func readHeader(_ line: UnsafeRawBufferPointer) throws(Failure) {
        let colon = try Self.headerName(line)
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd])
        if Self.equalsIgnoringCase(name, "content-length") {
            let length = try Self.decimal(value)
            guard contentLength == nil || contentLength == length else { throw .badContentLength }
            contentLength = length
        } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
            hasTransferEncoding = true
            Self.forEachToken(value) { token in isChunkedLast = Self.equalsIgnoringCase(token, "chunked") }
        } else if Self.equalsIgnoringCase(name, "connection") {
            Self.forEachToken(value) { token in
                if Self.equalsIgnoringCase(token, "close") { hasCloseToken = true }
                if Self.equalsIgnoringCase(token, "keep-alive") { hasKeepAliveToken = true }
            }
        }
    }

    /// The offset of the colon ending a valid field name (a token, no whitespace before the
    /// colon, no obs-fold).
    private static func headerName(_ line: UnsafeRawBufferPointer) throws(Failure) -> Int {
        var index = 0
        while index < line.count, line[index] != 0x3A {
            guard isTokenByte(line[index]) else { throw .badHeaderLine }
            index += 1
        }
        guard index > 0, index < line.count else { throw .badHeaderLine }
        return index
    }

    private mutating func endHead() throws(Failure) {
        if status < 200 {
            guard status != 101 else { throw .unexpectedUpgrade }
            startHead() // interim response (100 Continue, 103 Early Hints): the real one follows
            return
        }
        closesConnection = hasCloseToken || (isHTTP10 && !hasKeepAliveToken)
        if status == 204 || status == 304 {
            phase = .done
        } else if hasTransferEncoding {
            // RFC 9112 §6.3: chunked last is decoded; otherwise the body ends at the close. With
            // Content-Length too, the message is suspect: use the coding, then close.
            if contentLength != nil { closesConnection = true }
            if isChunkedLast {
                phase = .chunkSize
            } else {
                closesConnection = true
                phase = .untilClose
            }
        } else if let contentLength {
            phase = contentLength == 0 ? .done : .fixedBody(remaining: contentLength)
        } else {
            closesConnection = true
            phase = .untilClose
        }
    }

    // MARK: body

    private mutating func keep(_ bytes: UnsafeRawBufferPointer, from start: Int, count: Int) {
        bodyByteCount += count
        let take = min(count, kept.count - keptCount)
        guard take > 0 else { return }
        // Safe: take ≤ room left in `kept` and ≤ bytes left after `start`.
        (kept.baseAddress! + keptCount).copyMemory(from: bytes.baseAddress! + start, byteCount: take)
        keptCount += take
    }

    /// Hex digits, then optional whitespace and `;extensions`.
    private static func chunkSize(_ line: UnsafeRawBufferPointer) throws(Failure) -> Int {
        var size = 0
        var digits = 0
        var index = 0
        while index < line.count, let value = hexValue(line[index]) {
            guard digits < 15 else { throw .badChunk }
            size = size << 4 | value
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw .badChunk }
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        guard index == line.count || line[index] == 0x3B else { throw .badChunk }
        return size
    }

    // MARK: bytes

    private static func decimal(_ value: UnsafeRawBufferPointer) throws(Failure) -> Int {
        guard !value.isEmpty, value.count <= 18 else { throw .badContentLength }
        var result = 0
        for byte in value {
            guard byte >= 0x30, byte <= 0x39 else { throw .badContentLength }
            result = result * 10 + Int(byte - 0x30)
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }

    /// RFC 9110 tchar.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// Whether `bytes` begins with `prefix`, byte for byte.
    private static func startsWith(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        return memcmp(bytes.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0
    }

    /// Compares with a lowercase ASCII literal.
    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count {
            let byte = bytes[index]
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            guard lowered == expected[index] else { return false }
        }
        return true
    }

    /// Calls `body` with each comma-separated, whitespace-trimmed, non-empty list element.
    private static func forEachToken(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count, value[end] != 0x2C { end += 1 }
            var first = start
            var last = end
            while first < last, value[first] == 0x20 || value[first] == 0x09 { first += 1 }
            while last > first, value[last - 1] == 0x20 || value[last - 1] == 0x09 { last -= 1 }
            if last > first { body(UnsafeRawBufferPointer(rebasing: value[first..<last])) }
            start = end + 1
        }
    }
}
