/// JSON string escaping (RFC 8259 §7) for text the service writes itself: error messages,
/// names, paths. The quote, the backslash and control characters are escaped; everything
/// else, non-ASCII UTF-8 included, passes as it is.
///
///     var out: [UInt8] = []
///     JSONEscaping.escape("say \"hi\"\n") { out.append(contentsOf: $0) }   // say \"hi\"\n
package enum JSONEscaping {
    /// Calls `write` with the escaped UTF-8 of `text`, in order: runs that need no escaping
    /// in one call each, and each escape sequence in its own call. No allocation.
    @inlinable
    package static func escape(_ text: String, _ write: (UnsafeRawBufferPointer) -> Void) {
        var text = text
        text.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { write(UnsafeRawBufferPointer(rebasing: bytes[runStart..<index])) }
                runStart = index + 1
                writeEscape(of: byte, write)
            }
            if runStart < bytes.count { write(UnsafeRawBufferPointer(rebasing: bytes[runStart...])) }
        }
    }

    /// The escape sequence of one byte that needs escaping.
    @usableFromInline
    static func writeEscape(of byte: UInt8, _ write: (UnsafeRawBufferPointer) -> Void) {
        let short: StaticString? = switch byte {
        case UInt8(ascii: "\""): "\\\""
        case UInt8(ascii: "\\"): "\\\\"
        case 0x0A: "\\n"
        case 0x0D: "\\r"
        case 0x09: "\\t"
        default: nil
        }
        if let short {
            write(UnsafeRawBufferPointer(start: short.utf8Start, count: short.utf8CodeUnitCount))
            return
        }
        let hex: StaticString = "0123456789abcdef"
        let digits = hex.utf8Start
        // Safe: byte < 0x20, so both nibbles index the 16 hex digits.
        withUnsafeBytes(of: (UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                             digits[Int(byte >> 4)], digits[Int(byte & 0x0F)])) { write($0) }
    }
}
