/// Why bytes are not valid JSON (RFC 8259), and where: a value, never thrown on the hot path.
///
/// `offset` is the 0-based byte offset of the offending byte, or the input length when the
/// input ended too early. Messages name bytes only by their hex value, never echo the input:
///
///     JSONError(offset: 12, reason: .expectedCommaOrBracket).message
///     // "invalid JSON at byte 12: expected ',' or ']'"
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte offset of the offending byte, or the input length for a premature end.
    public var offset: Int
    /// What rule of the grammar the byte at `offset` breaks.
    public var reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    /// A message for the client and the log, e.g. "invalid JSON at byte 12: expected ',' or ']'".
    public var message: String { "invalid JSON at byte \(offset): \(reason.message)" }

    public var description: String { message }

    /// A rule of the RFC 8259 grammar (or of the scanner's limits) that the input breaks.
    public enum Reason: Equatable, Sendable {
        /// The input ended inside a value, or held no value at all.
        case unexpectedEnd
        /// A value was required here.
        case expectedValue
        /// An object member name (a string) was required here, after a ','.
        case expectedKey
        /// An object member name or the closing '}' was required here, after a '{'.
        case expectedKeyOrBrace
        /// The ':' after an object member name is missing.
        case expectedColon
        /// An array element is followed by something other than ',' or ']'.
        case expectedCommaOrBracket
        /// An object member is followed by something other than ',' or '}'.
        case expectedCommaOrBrace
        /// Non-whitespace bytes follow the top-level value.
        case trailingContent
        /// A bare word that is not `true`, `false` or `null`.
        case invalidLiteral
        /// A number starts with '0' followed by another digit (RFC 8259 §6).
        case leadingZero
        /// A digit was required: after '-', '.', 'e' or 'E'.
        case expectedDigit
        /// A byte below 0x20 inside a string; RFC 8259 §7 requires it escaped.
        case controlCharacter(UInt8)
        /// A '\' followed by a byte that starts no escape of RFC 8259 §7.
        case invalidEscape(UInt8)
        /// A byte that is not a hex digit inside a '\u' escape.
        case invalidHexDigit(UInt8)
        /// A '\u' escape of a UTF-16 surrogate that is not part of a high-low pair.
        case unpairedSurrogate
        /// A byte that cannot appear at this position of a UTF-8 sequence (RFC 3629 §4):
        /// overlongs, encoded surrogates, code points above U+10FFFF, truncated sequences.
        case invalidUTF8(UInt8)
        /// The input ended inside a string.
        case unterminatedString
        /// The input starts with a UTF-8 byte order mark, which RFC 8259 §8.1 forbids senders to add.
        case byteOrderMark
        /// Arrays and objects nest deeper than the scanner's limit.
        case nestingTooDeep(limit: Int)

        /// The rule broken, in words.
        public var message: String {
            switch self {
            case .unexpectedEnd: return "unexpected end of input"
            case .expectedValue: return "expected a value"
            case .expectedKey: return "expected a string key"
            case .expectedKeyOrBrace: return "expected a string key or '}'"
            case .expectedColon: return "expected ':'"
            case .expectedCommaOrBracket: return "expected ',' or ']'"
            case .expectedCommaOrBrace: return "expected ',' or '}'"
            case .trailingContent: return "unexpected content after the value"
            case .invalidLiteral: return "invalid literal, expected true, false or null"
            case .leadingZero: return "number with a leading zero"
            case .expectedDigit: return "expected a digit"
            case .controlCharacter(let byte): return "unescaped control character \(hex(byte)) in string"
            case .invalidEscape(let byte): return "invalid escape character \(hex(byte))"
            case .invalidHexDigit(let byte): return "invalid hex digit \(hex(byte)) in \\u escape"
            case .unpairedSurrogate: return "unpaired UTF-16 surrogate in \\u escape"
            case .invalidUTF8(let byte): return "invalid UTF-8 byte \(hex(byte))"
            case .unterminatedString: return "unterminated string"
            case .byteOrderMark: return "byte order mark is not allowed"
            case .nestingTooDeep(let limit): return "arrays and objects nested deeper than \(limit) levels"
            }
        }
    }
}

/// "0x0A": a byte named without echoing it.
private func hex(_ byte: UInt8) -> String {
    let digits: StaticString = "0123456789ABCDEF"
    let table = digits.utf8Start
    return String(unsafeUninitializedCapacity: 4) { buffer in
        buffer[0] = UInt8(ascii: "0")
        buffer[1] = UInt8(ascii: "x")
        buffer[2] = table[Int(byte >> 4)]
        buffer[3] = table[Int(byte & 0x0F)]
        return 4
    }
}
