/// The credentials of `Authorization: Bearer <token>` (RFC 6750 §2.1), read in place.
///
///     BearerToken.token(inAuthorization: value)   // the token's bytes, or nil
///
/// The scheme is matched without regard to case (RFC 9110 §11.1); one or more spaces follow
/// it, then a b64token: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
package enum BearerToken {
    /// The token in an Authorization header value, or nil when the value is not Bearer
    /// credentials with a well-formed token.
    package static func token(inAuthorization value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var start = 0, end = value.count
        while start < end, isWhitespace(value[start]) { start += 1 }
        while end > start, isWhitespace(value[end - 1]) { end -= 1 }
        let scheme: StaticString = "bearer"
        let schemeCount = scheme.utf8CodeUnitCount
        guard end - start > schemeCount else { return nil }
        for index in 0..<schemeCount {
            // ASCII lowercase: setting 0x20 maps A-Z onto a-z and leaves the letters' match exact.
            guard value[start + index] | 0x20 == scheme.utf8Start[index] else { return nil }
        }
        var tokenStart = start + schemeCount
        guard value[tokenStart] == UInt8(ascii: " ") else { return nil }
        while tokenStart < end, value[tokenStart] == UInt8(ascii: " ") { tokenStart += 1 }
        // Safe: start <= tokenStart <= end <= value.count.
        let token = UnsafeRawBufferPointer(rebasing: value[tokenStart..<end])
        return isValid(token) ? token : nil
    }

    /// Whether `token` is a b64token: at least one token character, then only `=`s.
    package static func isValid(_ token: some Collection<UInt8>) -> Bool {
        var characters = 0
        var inPadding = false
        for byte in token {
            if byte == UInt8(ascii: "=") {
                inPadding = true
            } else if inPadding || !isTokenCharacter(byte) {
                return false
            } else {
                characters += 1
            }
        }
        return characters > 0
    }

    @inline(__always)
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }

    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}
