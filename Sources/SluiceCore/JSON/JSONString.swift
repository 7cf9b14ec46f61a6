/// Decoding helpers for the contents of a JSON string: the bytes between its quotes, escapes
/// still in place, as validated by `JSONScanner`.
///
///     var buffer: [UInt8] = []
///     buffer.reserveCapacity(4096)          // reused: no allocation while it fits
///     JSONString.unescape(contents, appendingTo: &buffer)
///
/// On contents the scanner did not accept, they never read outside `contents` and never trap:
/// a malformed escape decodes as U+FFFD.
public enum JSONString {
    /// The number of UTF-8 bytes the contents decode to.
    public static func decodedByteCount(_ contents: UnsafeRawBufferPointer) -> Int {
        var total = 0
        var index = 0
        while index < contents.count {
            let run = plainRunEnd(contents, from: index)
            total += run - index
            index = run
            guard index < contents.count else { break }
            let escape = decodeEscape(contents, at: index)
            total += utf8Length(escape.scalar)
            index += escape.length
        }
        return total
    }

    /// Appends the decoded UTF-8 bytes of the contents to `buffer`; allocates only when
    /// `buffer` lacks capacity.
    public static func unescape(_ contents: UnsafeRawBufferPointer, appendingTo buffer: inout [UInt8]) {
        var index = 0
        while index < contents.count {
            let run = plainRunEnd(contents, from: index)
            if run > index { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: contents[index..<run])) }
            index = run
            guard index < contents.count else { break }
            let escape = decodeEscape(contents, at: index)
            appendUTF8(escape.scalar, to: &buffer)
            index += escape.length
        }
    }

    /// Whether the contents decode to exactly the ASCII `literal` (so `"\u0069d"` equals "id").
    static func decodedContents(_ contents: UnsafeRawBufferPointer, equal literal: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        if contents.count == expected.count, !contents.contains(JSONByte.backslash) {
            return contents.elementsEqual(expected)
        }
        var position = 0
        var index = 0
        while index < contents.count {
            guard position < expected.count else { return false }
            let byte = contents[index]
            if byte == JSONByte.backslash {
                let escape = decodeEscape(contents, at: index)
                guard escape.scalar == UInt32(expected[position]) else { return false }
                index += escape.length
            } else {
                guard byte == expected[position] else { return false }
                index += 1
            }
            position += 1
        }
        return position == expected.count
    }

    /// The end of the run of bytes from `start` that is not a '\'.
    @inline(__always)
    private static func plainRunEnd(_ contents: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index + 8 <= contents.count {
            let word = JSONByte.loadWord(contents, at: index)
            let lanes = JSONByte.quoteOrBackslashLanes(word)
            if lanes != 0 {
                let found = index + lanes.trailingZeroBitCount >> 3
                // A '"' cannot occur in valid contents; treat it as plain and keep going.
                if contents[found] == JSONByte.backslash { return found }
                index = found + 1
                continue
            }
            index += 8
        }
        while index < contents.count, contents[index] != JSONByte.backslash { index += 1 }
        return index
    }

    /// The scalar an escape at `index` (a '\') stands for, and the escape's length in bytes.
    private static func decodeEscape(_ contents: UnsafeRawBufferPointer, at index: Int) -> (scalar: UInt32, length: Int) {
        let replacement: UInt32 = 0xFFFD
        guard index + 1 < contents.count else { return (replacement, contents.count - index) }
        switch contents[index + 1] {
        case UInt8(ascii: "\""): return (0x22, 2)
        case UInt8(ascii: "\\"): return (0x5C, 2)
        case UInt8(ascii: "/"): return (0x2F, 2)
        case UInt8(ascii: "b"): return (0x08, 2)
        case UInt8(ascii: "f"): return (0x0C, 2)
        case UInt8(ascii: "n"): return (0x0A, 2)
        case UInt8(ascii: "r"): return (0x0D, 2)
        case UInt8(ascii: "t"): return (0x09, 2)
        case UInt8(ascii: "u"):
            guard let unit = hex4(contents, at: index + 2) else { return (replacement, 2) }
            switch unit {
            case 0xD800...0xDBFF:
                guard index + 7 < contents.count, contents[index + 6] == JSONByte.backslash,
                      contents[index + 7] == UInt8(ascii: "u"),
                      let low = hex4(contents, at: index + 8), (0xDC00...0xDFFF).contains(low) else {
                    return (replacement, 6)
                }
                return (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
            case 0xDC00...0xDFFF:
                return (replacement, 6)
            default:
                return (unit, 6)
            }
        default:
            return (replacement, 2)
        }
    }

    private static func hex4(_ contents: UnsafeRawBufferPointer, at index: Int) -> UInt32? {
        guard index + 4 <= contents.count else { return nil }
        var value: UInt32 = 0
        for offset in index..<(index + 4) {
            guard let digit = JSONByte.hexValue(contents[offset]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    @inline(__always)
    private static func utf8Length(_ scalar: UInt32) -> Int {
        scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4
    }

    private static func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            buffer.append(UInt8(scalar))
        case ..<0x800:
            buffer.append(UInt8(0xC0 | scalar >> 6))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            buffer.append(UInt8(0xE0 | scalar >> 12))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        default:
            buffer.append(UInt8(0xF0 | scalar >> 18))
            buffer.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
