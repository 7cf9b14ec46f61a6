/// Reads `"accepted": N` from the start of a sluice batch response
/// (`{"accepted":A,"rejected":R,"errors":[...]}`) without parsing the whole JSON.
enum AcceptedCount {
    private static let key = Array(#""accepted""#.utf8)

    /// The value of the first `"accepted"` key in `bytes`, or nil when absent or not a number.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count > key.count else { return nil }
        var index = 0
        while index + key.count <= bytes.count {
            if bytes[index] == key[0], matchesKey(bytes, at: index) {
                return number(bytes, after: index + key.count)
            }
            index += 1
        }
        return nil
    }

    private static func matchesKey(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        for offset in 1..<key.count where bytes[start + offset] != key[offset] { return false }
        return true
    }

    /// Skips blanks, one colon and blanks, then reads decimal digits.
    private static func number(_ bytes: UnsafeRawBufferPointer, after start: Int) -> Int? {
        var index = start
        var sawColon = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":"), !sawColon {
                sawColon = true
            } else if !isJSONWhitespace(byte) {
                break
            }
            index += 1
        }
        guard sawColon else { return nil }
        var value = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), digits < 18 {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
