extension JSONScanner {
    /// Validates the string whose opening quote is at `start`; returns the offset after the
    /// closing quote.
    ///
    /// Plain ASCII content is skipped 8 bytes at a time; this inlined part handles the common
    /// short plain string, the rest continues out of line.
    @inline(__always)
    func scanString(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Result<Int, JSONError> {
        var index = start + 1
        while index + 8 <= bytes.count {
            let special = JSONByte.stringSpecialLanes(JSONByte.loadWord(bytes, at: index))
            if special != 0 {
                index += special.trailingZeroBitCount >> 3
                if bytes[index] == JSONByte.quote { return .success(index + 1) }
                break
            }
            index += 8
        }
        return scanStringContents(bytes, from: index)
    }

    /// Validates string content from `start` to the closing quote; the byte loop only runs for
    /// quotes, escapes, control bytes and non-ASCII sequences.
    private func scanStringContents(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Result<Int, JSONError> {
        let count = bytes.count
        var index = start
        while true {
            while index + 8 <= count {
                let special = JSONByte.stringSpecialLanes(JSONByte.loadWord(bytes, at: index))
                if special != 0 {
                    index += special.trailingZeroBitCount >> 3
                    break
                }
                index += 8
            }
            guard index < count else { return failure(count, .unterminatedString) }
            let byte = bytes[index]
            if byte == JSONByte.quote { return .success(index + 1) }
            if byte == JSONByte.backslash {
                switch scanEscape(bytes, at: index) {
                case .success(let end): index = end
                case .failure(let error): return .failure(error)
                }
            } else if byte < 0x20 {
                // RFC 8259 §7: U+0000 through U+001F must be escaped.
                return failure(index, .controlCharacter(byte))
            } else if byte < 0x80 {
                index += 1
            } else {
                switch scanUTF8Sequence(bytes, at: index) {
                case .success(let end): index = end
                case .failure(let error): return .failure(error)
                }
            }
        }
    }

    /// Validates the escape whose '\' is at `index`; returns the offset after it.
    private func scanEscape(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Result<Int, JSONError> {
        guard index + 1 < bytes.count else { return failure(bytes.count, .unterminatedString) }
        let byte = bytes[index + 1]
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return .success(index + 2)
        case UInt8(ascii: "u"):
            let unit: UInt32
            switch scanHex4(bytes, at: index + 2) {
            case .success(let value): unit = value
            case .failure(let error): return .failure(error)
            }
            switch unit {
            case 0xD800...0xDBFF:
                // RFC 8259 §7: a character outside the BMP is a high-low surrogate pair of escapes.
                // A text cut inside the pair is unterminated, not unpaired.
                guard index + 6 < bytes.count else { return failure(bytes.count, .unterminatedString) }
                guard bytes[index + 6] == JSONByte.backslash else { return failure(index, .unpairedSurrogate) }
                guard index + 7 < bytes.count else { return failure(bytes.count, .unterminatedString) }
                guard bytes[index + 7] == UInt8(ascii: "u") else { return failure(index, .unpairedSurrogate) }
                switch scanHex4(bytes, at: index + 8) {
                case .success(0xDC00...0xDFFF): return .success(index + 12)
                case .success: return failure(index, .unpairedSurrogate)
                case .failure(let error): return .failure(error)
                }
            case 0xDC00...0xDFFF:
                return failure(index, .unpairedSurrogate)
            default:
                return .success(index + 6)
            }
        default:
            return failure(index + 1, .invalidEscape(byte))
        }
    }

    /// The value of the 4 hex digits at `index`.
    private func scanHex4(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Result<UInt32, JSONError> {
        var value: UInt32 = 0
        for offset in index..<(index + 4) {
            guard offset < bytes.count else { return failure(bytes.count, .unterminatedString) }
            guard let digit = JSONByte.hexValue(bytes[offset]) else {
                return failure(offset, .invalidHexDigit(bytes[offset]))
            }
            value = value << 4 | digit
        }
        return .success(value)
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `index`; returns the
    /// offset after it.
    ///
    /// The ranges are RFC 3629 §4 (Unicode Table 3-7): they exclude overlongs (C0, C1, E0 80..9F,
    /// F0 80..8F), encoded surrogates (ED A0..BF) and code points above U+10FFFF (F4 90.., F5..).
    private func scanUTF8Sequence(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Result<Int, JSONError> {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return failure(index, .invalidUTF8(lead))
        }
        for offset in (index + 1)..<(index + length) {
            guard offset < bytes.count else { return failure(bytes.count, .unterminatedString) }
            let byte = bytes[offset]
            let range = offset == index + 1 ? secondRange : 0x80...0xBF
            guard range.contains(byte) else { return failure(offset, .invalidUTF8(byte)) }
        }
        return .success(index + length)
    }
}
