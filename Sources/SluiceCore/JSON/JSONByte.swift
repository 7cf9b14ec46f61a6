/// The bytes of the JSON grammar (RFC 8259) and word-at-a-time tests on them.
enum JSONByte {
    static var quote: UInt8 { 0x22 }
    static var backslash: UInt8 { 0x5C }
    static var comma: UInt8 { 0x2C }
    static var colon: UInt8 { 0x3A }
    static var openBrace: UInt8 { 0x7B }
    static var closeBrace: UInt8 { 0x7D }
    static var openBracket: UInt8 { 0x5B }
    static var closeBracket: UInt8 { 0x5D }
    static var lineFeed: UInt8 { 0x0A }

    /// RFC 8259 §2: ws = space, horizontal tab, line feed, carriage return. Nothing else.
    @inline(__always) static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// The value of a hex digit, or nil.
    @inline(__always) static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: return UInt32(byte - 0x30)
        case 0x41...0x46: return UInt32(byte - 0x41 + 10)
        case 0x61...0x66: return UInt32(byte - 0x61 + 10)
        default: return nil
        }
    }

    /// The first offset at or after `offset` that is not JSON whitespace, or `bytes.count`.
    @inline(__always)
    static func skipWhitespace(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Int {
        var index = offset
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
        return index
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// High bit set in each byte lane of `word` (little-endian lanes) that is zero. Only the
    /// lowest set lane is exact (a borrow can flag lanes above it), which is all callers use.
    @inline(__always) private static func zeroLanes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & highBits
    }

    /// Lanes holding '"', '\', a control byte (< 0x20) or a non-ASCII byte: the bytes a string
    /// scan must stop at. Zero means all 8 bytes are plain ASCII string content.
    @inline(__always) static func stringSpecialLanes(_ word: UInt64) -> UInt64 {
        let quotes = zeroLanes(word ^ (ones &* UInt64(quote)))
        let backslashes = zeroLanes(word ^ (ones &* UInt64(backslash)))
        let controls = (word &- ones &* 0x20) & ~word & highBits
        return quotes | backslashes | controls | (word & highBits)
    }

    /// Lanes holding '"' or '\': where a scan over already validated string content stops.
    @inline(__always) static func quoteOrBackslashLanes(_ word: UInt64) -> UInt64 {
        zeroLanes(word ^ (ones &* UInt64(quote))) | zeroLanes(word ^ (ones &* UInt64(backslash)))
    }

    /// Lanes that may hold '"', '{', '}', '[' or ']': where a scan outside strings stops.
    ///
    /// The four brackets are the bytes b with b & 0xD9 == 0x59; so are 'Y', '_', 'y' and DEL,
    /// which cannot occur outside strings in valid JSON and are checked again by the caller.
    @inline(__always) static func structuralLanes(_ word: UInt64) -> UInt64 {
        zeroLanes(word ^ (ones &* UInt64(quote))) | zeroLanes((word & (ones &* 0xD9)) ^ (ones &* 0x59))
    }

    /// Reads 8 bytes at `offset` as a little-endian word (lane 0 = the byte at `offset`).
    @inline(__always)
    static func loadWord(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        // Safe: every caller checks offset + 8 <= bytes.count; loadUnaligned needs no alignment.
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
