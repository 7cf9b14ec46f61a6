extension ChunkedDecoder {
    /// Validates `*( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )`.
    static func isValidExtensionList(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        func skipWhitespace() { while index < bytes.count, ByteClass.isWhitespace(bytes[index]) { index += 1 } }
        func token() -> Bool {
            let start = index
            while index < bytes.count, ByteClass.isToken(bytes[index]) { index += 1 }
            return index > start
        }
        while true {
            let beforeWhitespace = index
            skipWhitespace()
            // BWS is only allowed before ";" or "=": "5 " with nothing after the space is invalid.
            if index == bytes.count { return index == beforeWhitespace }
            guard bytes[index] == UInt8(ascii: ";") else { return false }
            index += 1
            skipWhitespace()
            guard token() else { return false }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                guard skipQuotedString(bytes, &index) else { return false }
            } else if !token() {
                return false
            }
        }
    }

    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4).
    private static func skipQuotedString(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> Bool {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { index += 1; return true }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.count, ByteClass.isFieldValue(bytes[index]) else { return false }
            } else if !ByteClass.isFieldValue(byte) {
                return false
            }
            index += 1
        }
        return false
    }

    /// A trailer field line must be a valid field line; its content is otherwise ignored.
    static func validateTrailer(_ line: UnsafeRawBufferPointer) -> HTTPParseError? {
        if case .invalid(let error) = FieldLine(line) { return error }
        return nil
    }
}
