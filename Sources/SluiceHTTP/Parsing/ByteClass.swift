/// Byte classes of RFC 9110 §5.6 used by the request parsers.
enum ByteClass {
    /// tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    @inline(__always) static func isToken(_ byte: UInt8) -> Bool {
        isMember(byte, low: 0x03FF_6CFA_0000_0000, high: 0x57FF_FFFF_C7FF_FFFE)
    }

    /// A byte of a Host value (RFC 9110 §7.2, RFC 3986 §3.2.2): unreserved / sub-delims / ":" /
    /// "[" / "]" (IP literals) / "%" (pct-encoded), i.e. ALPHA / DIGIT / "-._~!$&'()*+,;=:[]%".
    @inline(__always) static func isHost(_ byte: UInt8) -> Bool {
        isMember(byte, low: 0x2FFF_7FF2_0000_0000, high: 0x47FF_FFFE_AFFF_FFFE)
    }

    /// Whether ASCII `byte` has its bit set in a 128-bit class (`low` holds bytes 0-63, `high`
    /// 64-127); bytes from 128 are in no such class. Constants instead of lookup tables: no
    /// lazy global initialisation check and no bounds check per byte. HeadParserTests'
    /// `fieldNamesAndHostValues_AcceptExactlyTheirRFCBytes` checks both masks against the RFC's lists.
    @inline(__always) private static func isMember(_ byte: UInt8, low: UInt64, high: UInt64) -> Bool {
        let bit = UInt64(byte & 63)
        let word = byte < 64 ? low : (byte < 128 ? high : 0)
        return (word >> bit) & 1 != 0
    }

    /// field-vchar / SP / HTAB: VCHAR, obs-text, SP, HTAB. Excludes NUL, CR, LF, DEL, other CTLs.
    @inline(__always) static func isFieldValue(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == 0x09
    }

    /// Bytes allowed in a request-target: visible ASCII (no SP, CTL, DEL or non-ASCII).
    @inline(__always) static func isTarget(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    @inline(__always) static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Case-insensitive equality of `bytes` with a lowercase ASCII literal.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let literal = lowercase.utf8Start
        for index in 0..<bytes.count where lowercased(bytes[index]) != literal[index] {
            return false
        }
        return true
    }

    /// Bytes with surrounding SP/HTAB removed.
    static func trimmingWhitespace(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end, isWhitespace(bytes[start]) { start += 1 }
        while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// Calls `body` with each OWS-trimmed, non-empty element of a comma-separated list
    /// (RFC 9110 §5.6.1: empty elements are ignored). Stops early when `body` returns false.
    static func forEachListElement(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Bool) {
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: ",") {
            let element = trimmingWhitespace(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            start = index + 1
            if element.count > 0, !body(element) { return }
        }
    }
}
