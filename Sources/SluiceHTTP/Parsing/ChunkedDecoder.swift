import Glibc

/// The result of one `ChunkedDecoder.decode` call.
package enum ChunkedDecodeResult: Equatable, Sendable {
    case needMoreBytes
    /// The body is complete: `bodyLength` decoded bytes start at the body offset, and the
    /// message (head, chunks, trailers) ends `messageLength` bytes after the request start.
    case complete(bodyLength: Int, messageLength: Int)
    case failed(HTTPParseError)
}

/// An incremental decoder for `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1) that
/// decodes in place: chunk data is moved down over the chunk framing inside the connection's
/// read buffer, so the decoded body is one contiguous view with no second buffer.
///
/// Enforces a cumulative decoded-size cap (413), a chunk-line length cap, strict chunk-size
/// syntax (1*HEXDIG, at most 16 significant digits), chunk-extension syntax, CRLF after data,
/// and validates trailer fields like header fields (their bytes count against the header limit).
package struct ChunkedDecoder: Sendable {
    private enum Phase: Sendable, Equatable { case size, data(remaining: Int), dataEnd, trailers }

    /// Longest chunk-size line (with extensions) or trailer line.
    package static let maxLineBytes = 4096

    private let maxBodyBytes: Int
    private let maxTrailerBytes: Int
    private var phase = Phase.size
    /// Decoded bytes so far, stored from the body offset on.
    private var decoded = 0
    /// Encoded bytes consumed so far, counted from the body offset (always >= decoded).
    private var parsed = 0
    private var trailerBytes = 0

    package init(maxBodyBytes: Int, maxTrailerBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTrailerBytes = maxTrailerBytes
    }

    /// Decodes what has arrived. `bodyOffset` is where the body starts, relative to the
    /// buffer's reader index (the request start). Between calls the gap between decoded and
    /// unparsed bytes is closed, so the buffer never holds more than head + body + one partial line.
    package mutating func decode(in buffer: ByteBuffer, bodyOffset: Int) -> ChunkedDecodeResult {
        precondition(bodyOffset >= 0 && bodyOffset <= buffer.readableBytes, "chunked body offset outside the buffer")
        let result = buffer.withUnsafeMutableReadableBytes { readable in
            // Safe: bodyOffset <= readable.count, checked above.
            let bodyBase = readable.baseAddress! + bodyOffset
            let available = readable.count - bodyOffset
            let result = step(bodyBase, available: available)
            if case .needMoreBytes = result, parsed > decoded {
                // Close the gap: move the unparsed tail down to the end of the decoded bytes.
                let tail = available - parsed
                // Safe: both ranges lie within [bodyBase, bodyBase + available).
                if tail > 0 { (bodyBase + decoded).copyMemory(from: bodyBase + parsed, byteCount: tail) }
            }
            return result
        }
        if case .needMoreBytes = result, parsed > decoded {
            buffer.removeLast(parsed - decoded)
            parsed = decoded
        }
        if case .complete = result { return .complete(bodyLength: decoded, messageLength: bodyOffset + parsed) }
        return result
    }

    private mutating func step(_ base: UnsafeMutableRawPointer, available: Int) -> ChunkedDecodeResult {
        while true {
            switch phase {
            case .size:
                guard let line = nextLine(base, available: available) else { return unfinishedLine(available: available) }
                if case .failed(let error) = line { return .failed(error) }
                guard case .line(let start, let end) = line else { return .needMoreBytes }
                switch parseSizeLine(UnsafeRawBufferPointer(start: base + start, count: end - start)) {
                case .failure(let error): return .failed(error)
                case .success(let size):
                    if size > maxBodyBytes - decoded { return .failed(.bodyTooLarge(limit: maxBodyBytes)) }
                    phase = size == 0 ? .trailers : .data(remaining: size)
                }
            case .data(let remaining):
                let count = min(remaining, available - parsed)
                if count == 0 { return .needMoreBytes }
                // Safe: parsed + count <= available and decoded <= parsed; memmove handles overlap.
                if parsed != decoded { (base + decoded).copyMemory(from: base + parsed, byteCount: count) }
                decoded += count
                parsed += count
                phase = remaining == count ? .dataEnd : .data(remaining: remaining - count)
            case .dataEnd:
                if available - parsed < 2 {
                    if available - parsed == 1, base.load(fromByteOffset: parsed, as: UInt8.self) != 0x0D {
                        return .failed(.missingChunkTerminator)
                    }
                    return .needMoreBytes
                }
                guard base.load(fromByteOffset: parsed, as: UInt8.self) == 0x0D,
                      base.load(fromByteOffset: parsed + 1, as: UInt8.self) == 0x0A else {
                    return .failed(.missingChunkTerminator)
                }
                parsed += 2
                phase = .size
            case .trailers:
                guard let line = nextLine(base, available: available) else { return unfinishedLine(available: available) }
                if case .failed(let error) = line { return .failed(error) }
                guard case .line(let start, let end) = line else { return .needMoreBytes }
                if start == end { return .complete(bodyLength: decoded, messageLength: parsed) }
                trailerBytes += end - start + 2
                if trailerBytes > maxTrailerBytes { return .failed(.headTooLarge(limit: maxTrailerBytes)) }
                if let error = Self.validateTrailer(UnsafeRawBufferPointer(start: base + start, count: end - start)) {
                    return .failed(error)
                }
            }
        }
    }

    private enum Line { case line(start: Int, end: Int), failed(HTTPParseError) }

    /// The answer while a line's LF has not arrived: a line of exactly `maxLineBytes` is still
    /// within the limit with only its CR in, so the limit is passed beyond `maxLineBytes + 1`.
    private func unfinishedLine(available: Int) -> ChunkedDecodeResult {
        available - parsed > Self.maxLineBytes + 1 ? .failed(.chunkLineTooLong(limit: Self.maxLineBytes)) : .needMoreBytes
    }

    /// The next CRLF-terminated line from `parsed`, consuming it; nil when incomplete.
    private mutating func nextLine(_ base: UnsafeMutableRawPointer, available: Int) -> Line? {
        let searchable = min(available - parsed, Self.maxLineBytes + 2)
        guard searchable > 0, let found = memchr(base + parsed, 0x0A, searchable) else { return nil }
        let lineFeed = base.distance(to: found)
        guard lineFeed > parsed, base.load(fromByteOffset: lineFeed - 1, as: UInt8.self) == 0x0D else {
            return .failed(.bareLineFeed)
        }
        let start = parsed
        parsed = lineFeed + 1
        return .line(start: start, end: lineFeed - 1)
    }

    /// chunk-size [ chunk-ext ] where chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ).
    private func parseSizeLine(_ line: UnsafeRawBufferPointer) -> Result<Int, HTTPParseError> {
        var index = 0
        var size = 0
        var significantDigits = 0
        while index < line.count, let digit = Self.hexValue(line[index]) {
            if size > 0 || digit > 0 { significantDigits += 1 }
            guard significantDigits <= 15 else { return .failure(.invalidChunkSize) }
            size = size << 4 | digit
            index += 1
        }
        guard index > 0 else { return .failure(.invalidChunkSize) }
        let extensions = UnsafeRawBufferPointer(rebasing: line[index...])
        guard Self.isValidExtensionList(extensions) else {
            // Anything but an extension after the digits ("1 2", "0x1", "-1") is a bad size.
            return .failure(extensions.first == UInt8(ascii: ";") || ByteClass.isWhitespace(extensions.first ?? 0)
                ? .invalidChunkExtension : .invalidChunkSize)
        }
        return .success(size)
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
