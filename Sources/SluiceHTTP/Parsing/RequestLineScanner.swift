/// Checks a request line byte by byte as it arrives, so bytes that can never begin a valid
/// request (a TLS handshake, binary junk, a stray control byte) are refused at the offending
/// byte instead of at the next CRLF, a size limit or the header deadline.
///
/// It checks the syntax of RFC 9112 §3, request-line = method SP request-target SP
/// HTTP-version CRLF, preceded by up to a few empty lines (§2.2): the method is a token, the
/// target visible ASCII, the version `HTTP/` DIGIT `.` DIGIT. What needs the whole line (the
/// target's form, the version number) is left to `HeadParser.parseRequestLine`. Bytes are
/// scanned in order and each only once, so feeding a line whole or byte by byte gives the same
/// outcome at the same byte.
struct RequestLineScanner: Sendable {
    enum Outcome: Equatable {
        /// Every byte so far can still begin a valid request line.
        case needMoreBytes
        /// A line ended with CRLF; its LF is at `lineFeed` (an empty line when it is the line's second byte).
        case lineEnded(lineFeed: Int)
        /// This byte can never be part of a valid request line.
        case failed(HTTPParseError)
    }

    private enum Position: Sendable {
        case lineStart, method, targetStart, target, version, carriageReturn, lineFeed, emptyLineFeed
    }

    private var position = Position.lineStart
    private var versionIndex = 0
    /// Where the method ends (the first SP), once the scanner is past it.
    private(set) var methodEnd = 0
    /// Where the target ends (the second SP), once the scanner is past it.
    private(set) var targetEnd = 0

    mutating func reset() {
        self = RequestLineScanner()
    }

    /// Scans `bytes[start..<end]`, continuing the line where the previous call stopped; returns
    /// where it stopped (`end`, or one past the LF or the offending byte) with the outcome.
    mutating func scan(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> (next: Int, outcome: Outcome) {
        var index = start
        while index < end {
            let byte = bytes[index]
            switch position {
            case .lineStart:
                if ByteClass.isToken(byte) {
                    position = .method
                } else if byte == UInt8(ascii: "\r") {
                    position = .emptyLineFeed
                } else {
                    return (index + 1, .failed(byte == UInt8(ascii: "\n") ? .bareLineFeed : .invalidMethod))
                }
                index += 1
            case .method:
                while index < end, ByteClass.isToken(bytes[index]) { index += 1 }
                guard index < end else { break }
                switch bytes[index] {
                case UInt8(ascii: " "):
                    methodEnd = index
                    position = .targetStart
                case UInt8(ascii: "\r"): return (index + 1, .failed(.malformedRequestLine))
                case UInt8(ascii: "\n"): return (index + 1, .failed(.bareLineFeed))
                default: return (index + 1, .failed(.invalidMethod))
                }
                index += 1
            case .targetStart, .target:
                if position == .targetStart {
                    guard ByteClass.isTarget(byte) else { return (index + 1, .failed(Self.targetError(byte))) }
                    position = .target
                    index += 1
                }
                while index < end, ByteClass.isTarget(bytes[index]) { index += 1 }
                guard index < end else { break }
                guard bytes[index] == UInt8(ascii: " ") else { return (index + 1, .failed(Self.targetError(bytes[index]))) }
                targetEnd = index
                position = .version
                versionIndex = 0
                index += 1
            case .version:
                guard byte != UInt8(ascii: "\n") else { return (index + 1, .failed(.bareLineFeed)) }
                guard Self.fitsVersion(byte, at: versionIndex) else { return (index + 1, .failed(.malformedVersion)) }
                versionIndex += 1
                if versionIndex == 8 { position = .carriageReturn }
                index += 1
            case .carriageReturn:
                switch byte {
                case UInt8(ascii: "\r"): position = .lineFeed
                case UInt8(ascii: "\n"): return (index + 1, .failed(.bareLineFeed))
                default: return (index + 1, .failed(.malformedVersion))
                }
                index += 1
            case .lineFeed, .emptyLineFeed:
                guard byte == UInt8(ascii: "\n") else { return (index + 1, .failed(.bareCarriageReturn)) }
                position = .lineStart
                return (index + 1, .lineEnded(lineFeed: index))
            }
        }
        return (end, .needMoreBytes)
    }

    /// Why a byte cannot be in, or end, a request target.
    private static func targetError(_ byte: UInt8) -> HTTPParseError {
        switch byte {
        case UInt8(ascii: "\n"): .bareLineFeed
        case UInt8(ascii: " "), UInt8(ascii: "\r"): .malformedRequestLine  // empty or missing target, or no version
        default: .invalidTarget
        }
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
    private static func fitsVersion(_ byte: UInt8, at index: Int) -> Bool {
        switch index {
        case 0: byte == UInt8(ascii: "H")
        case 1, 2: byte == UInt8(ascii: "T")
        case 3: byte == UInt8(ascii: "P")
        case 4: byte == UInt8(ascii: "/")
        case 6: byte == UInt8(ascii: ".")
        default: byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}
