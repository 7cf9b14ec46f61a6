import Glibc

/// The result of feeding bytes to `HeadParser`: a value, never a thrown "not yet".
package enum HeadParseResult: Equatable, Sendable {
    /// The head is incomplete; call again when more bytes arrive.
    case needMoreBytes
    /// The head is complete and valid; it occupies the first `headLength` bytes.
    case complete(headLength: Int)
    /// The head is invalid; answer `error.status` and close.
    case failed(HTTPParseError)
}

/// An incremental HTTP/1.1 request-head parser over bytes (RFC 9112 §2-§7).
///
/// Feed it the bytes of the current request from its first byte on, as many as have arrived;
/// each call resumes where the previous one stopped, so a head delivered byte by byte is still
/// scanned once. The request line is checked byte by byte (`RequestLineScanner`): a byte that
/// can never begin a valid request fails the parse as soon as it arrives. It records offsets
/// (`HeaderField`) instead of building Strings, and resolves the body framing strictly: a
/// Content-Length with a Transfer-Encoding, differing Content-Lengths, a coding other than
/// chunked, obs-fold, bare CR or LF, control bytes in values, space before a colon, a missing
/// Host on HTTP/1.1 are all errors, never guesses.
///
///     var parser = HeadParser(limits: HTTPLimits())
///     if case .complete(let length) = parser.parse(bytes) { let head = parser.head }
package struct HeadParser: Sendable {
    private enum Phase: Sendable { case requestLine, fields, complete }

    /// The request parsed so far; meaningful once `parse` returned `.complete`.
    package internal(set) var head = ParsedHead()
    /// The header field lines, in order; see `withFields` for handing them out without a copy.
    package internal(set) var fields: [HeaderField] = []
    let limits: HTTPLimits
    private var phase = Phase.requestLine
    private var lineStart = 0
    private var searchFrom = 0
    private var emptyLinesSkipped = 0
    var requestLine = RequestLineScanner()
    var tracker = FramingTracker()

    package init(limits: HTTPLimits) {
        self.limits = limits
        fields.reserveCapacity(min(limits.maxHeaderCount, 64))
    }

    /// Forgets the previous request, keeping the field storage.
    package mutating func reset() {
        head.reset()
        fields.removeAll(keepingCapacity: true)
        phase = .requestLine
        lineStart = 0
        searchFrom = 0
        emptyLinesSkipped = 0
        requestLine.reset()
        tracker = FramingTracker()
    }

    /// Parses as much of the head as `bytes` (the request from its first byte) holds.
    package mutating func parse(_ bytes: UnsafeRawBufferPointer) -> HeadParseResult {
        precondition(phase != .complete, "HeadParser.parse called after completion without reset()")
        while true {
            let lineFeed: Int
            if phase == .requestLine {
                // Byte by byte, so junk is refused at its first byte; never past the point
                // where the line is over its limit, so whole and byte-by-byte input agree.
                let end = min(bytes.count, lineStart + limits.maxRequestLineBytes + 2, limits.maxHeaderBytes + 1)
                let (next, outcome) = requestLine.scan(bytes, from: searchFrom, to: max(end, searchFrom))
                searchFrom = next
                switch outcome {
                case .needMoreBytes: return checkIncompleteLimits(available: bytes.count)
                case .failed(let error): return .failed(error)
                case .lineEnded(let found): lineFeed = found
                }
            } else {
                guard let found = findLineFeed(bytes) else {
                    return checkIncompleteLimits(available: bytes.count)
                }
                lineFeed = found
            }
            searchFrom = lineFeed + 1
            // Judge the bytes before this LF as a call that got only them would have, so that
            // a head over a limit fails with the limit's error however its bytes were split.
            if case .failed(let error) = checkIncompleteLimits(available: lineFeed) { return .failed(error) }
            guard lineFeed > lineStart, bytes[lineFeed - 1] == UInt8(ascii: "\r") else {
                return .failed(.bareLineFeed)
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<(lineFeed - 1)])
            let start = lineStart
            lineStart = lineFeed + 1
            if lineStart > limits.maxHeaderBytes {
                return .failed(phase == .requestLine ? .requestLineTooLong(limit: limits.maxRequestLineBytes)
                                                     : .headTooLarge(limit: limits.maxHeaderBytes))
            }
            switch phase {
            case .requestLine:
                if line.isEmpty {
                    // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.
                    emptyLinesSkipped += 1
                    if emptyLinesSkipped > 8 { return .failed(.malformedRequestLine) }
                    continue
                }
                if line.count > limits.maxRequestLineBytes {
                    return .failed(.requestLineTooLong(limit: limits.maxRequestLineBytes))
                }
                if let error = parseRequestLine(line, at: start) { return .failed(error) }
                phase = .fields
            case .fields:
                if line.isEmpty {
                    if let error = finishHead() { return .failed(error) }
                    phase = .complete
                    return .complete(headLength: lineStart)
                }
                if fields.count >= limits.maxHeaderCount {
                    return .failed(.tooManyHeaders(limit: limits.maxHeaderCount))
                }
                if let error = parseFieldLine(line, at: start, bytes: bytes) { return .failed(error) }
            case .complete:
                preconditionFailure("unreachable: loop returns on completion")
            }
        }
    }

    /// Calls `body` with the fields in place. Handing out the array itself would share its
    /// storage, and the next `reset()` would then allocate a new one for every request.
    package func withFields<Result>(_ body: (UnsafeBufferPointer<HeaderField>) -> Result) -> Result {
        fields.withUnsafeBufferPointer(body)
    }

    private mutating func findLineFeed(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard searchFrom < bytes.count, let base = bytes.baseAddress else { return nil }
        // Safe: searchFrom < bytes.count, so the searched range lies inside `bytes`.
        guard let found = memchr(base + searchFrom, 0x0A, bytes.count - searchFrom) else {
            searchFrom = bytes.count
            return nil
        }
        return base.distance(to: UnsafeRawPointer(found))
    }

    private func checkIncompleteLimits(available: Int) -> HeadParseResult {
        // The request line may have maxRequestLineBytes and its CR before the LF is due.
        if phase == .requestLine, available - lineStart > limits.maxRequestLineBytes + 1 {
            return .failed(.requestLineTooLong(limit: limits.maxRequestLineBytes))
        }
        if available > limits.maxHeaderBytes {
            return .failed(phase == .requestLine ? .requestLineTooLong(limit: limits.maxRequestLineBytes)
                                                 : .headTooLarge(limit: limits.maxHeaderBytes))
        }
        return .needMoreBytes
    }
}
