/// One value of a document the reference parser accepted, as byte ranges into the input.
struct ReferenceValue {
    enum Kind: Equatable { case object, array, string, number, literal }

    var kind: Kind
    /// The value's bytes, from its first byte to its last (no surrounding whitespace).
    var range: Range<Int>
    /// The elements of an array.
    var elements: [ReferenceValue] = []
    /// The members of an object: the name's contents between the quotes, and the value.
    var members: [(name: Range<Int>, value: ReferenceValue)] = []

    /// The contents of a string value, between its quotes.
    var contents: Range<Int> { (range.lowerBound + 1)..<(range.upperBound - 1) }

    /// The same value with every range moved by `offset` (a value parsed from a slice).
    func shifted(by offset: Int) -> ReferenceValue {
        var value = self
        value.range = (range.lowerBound + offset)..<(range.upperBound + offset)
        value.elements = elements.map { $0.shifted(by: offset) }
        value.members = members.map { ((($0.name.lowerBound + offset)..<($0.name.upperBound + offset)), $0.value.shifted(by: offset)) }
        return value
    }
}

/// A deliberately plain recursive-descent JSON parser (RFC 8259), written for the fuzz targets
/// as an oracle independent of `JSONScanner`: byte at a time, no word tricks, UTF-8 checked by
/// the standard library, a tree of values built. Slow and allocating, which is fine for small
/// fuzz inputs; recursion depth is bounded by `maxDepth`.
struct ReferenceJSON {
    private let bytes: [UInt8]
    private let maxDepth: Int
    private var index = 0

    private init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// The document's top-level value when `bytes` is one JSON text (one value, optional
    /// whitespace around it) with at most `maxDepth` nested arrays and objects; nil otherwise.
    static func parse(_ bytes: [UInt8], maxDepth: Int) -> ReferenceValue? {
        var parser = ReferenceJSON(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? value : nil
    }

    /// The deepest nesting of arrays and objects in a parsed value (a scalar is 0).
    static func depth(of value: ReferenceValue) -> Int {
        switch value.kind {
        case .array: return 1 + (value.elements.map(depth(of:)).max() ?? 0)
        case .object: return 1 + (value.members.map { depth(of: $0.value) }.max() ?? 0)
        default: return 0
        }
    }

    /// The UTF-8 bytes that the contents of an accepted string decode to.
    static func decodeString(_ bytes: [UInt8], contents: Range<Int>) -> [UInt8] {
        var decoded: [UInt8] = []
        var index = contents.lowerBound
        while index < contents.upperBound {
            guard bytes[index] == UInt8(ascii: "\\") else {
                decoded.append(bytes[index])
                index += 1
                continue
            }
            let escape = bytes[index + 1]
            index += 2
            var scalar: UInt32
            switch escape {
            case UInt8(ascii: "b"): scalar = 0x08
            case UInt8(ascii: "f"): scalar = 0x0C
            case UInt8(ascii: "n"): scalar = 0x0A
            case UInt8(ascii: "r"): scalar = 0x0D
            case UInt8(ascii: "t"): scalar = 0x09
            case UInt8(ascii: "u"):
                scalar = hex4(bytes, at: index)!
                index += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = hex4(bytes, at: index + 2)!
                    index += 6
                    scalar = 0x10000 + (scalar - 0xD800) * 0x400 + (low - 0xDC00)
                }
            default: scalar = UInt32(escape)  // '"', '\' or '/'
            }
            decoded.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        }
        return decoded
    }

    private mutating func value(depth: Int) -> ReferenceValue? {
        guard index < bytes.count else { return nil }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { return nil }
            index += 1
            var value = ReferenceValue(kind: .object, range: start..<start)
            skipWhitespace()
            if consume(UInt8(ascii: "}")) {
                value.range = start..<index
                return value
            }
            while true {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let name = string() else { return nil }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                guard let member = self.value(depth: depth + 1) else { return nil }
                value.members.append((name.contents, member))
                skipWhitespace()
                if consume(UInt8(ascii: ",")) {
                    skipWhitespace()
                    continue
                }
                guard consume(UInt8(ascii: "}")) else { return nil }
                value.range = start..<index
                return value
            }
        case UInt8(ascii: "["):
            guard depth < maxDepth else { return nil }
            index += 1
            var value = ReferenceValue(kind: .array, range: start..<start)
            skipWhitespace()
            if consume(UInt8(ascii: "]")) {
                value.range = start..<index
                return value
            }
            while true {
                guard let element = self.value(depth: depth + 1) else { return nil }
                value.elements.append(element)
                skipWhitespace()
                if consume(UInt8(ascii: ",")) {
                    skipWhitespace()
                    continue
                }
                guard consume(UInt8(ascii: "]")) else { return nil }
                value.range = start..<index
                return value
            }
        case UInt8(ascii: "\""):
            return string()
        case UInt8(ascii: "t"):
            return literal("true")
        case UInt8(ascii: "f"):
            return literal("false")
        case UInt8(ascii: "n"):
            return literal("null")
        default:
            return number()
        }
    }

    /// A string at `index` (its opening quote): escapes per RFC 8259 §7, surrogate escapes
    /// only as high-low pairs, no raw byte below 0x20, and valid UTF-8 otherwise.
    private mutating func string() -> ReferenceValue? {
        let start = index
        index += 1
        // The raw bytes with every escape replaced by one ASCII byte, for the UTF-8 check: an
        // escape cannot complete or split a multi-byte sequence.
        var raw: [UInt8] = []
        while true {
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                break
            }
            if byte < 0x20 { return nil }
            if byte != UInt8(ascii: "\\") {
                raw.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { return nil }
            let escape = bytes[index + 1]
            index += 2
            raw.append(UInt8(ascii: "e"))
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                 UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            case UInt8(ascii: "u"):
                guard let unit = Self.hex4(bytes, at: index) else { return nil }
                index += 4
                if (0xDC00...0xDFFF).contains(unit) { return nil }
                if (0xD800...0xDBFF).contains(unit) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                          bytes[index + 1] == UInt8(ascii: "u"),
                          let low = Self.hex4(bytes, at: index + 2), (0xDC00...0xDFFF).contains(low) else {
                        return nil
                    }
                    index += 6
                }
            default:
                return nil
            }
        }
        guard String(validating: raw, as: UTF8.self) != nil else { return nil }
        return ReferenceValue(kind: .string, range: start..<index)
    }

    /// number = [ "-" ] ( "0" / digit1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
    private mutating func number() -> ReferenceValue? {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
            // A leading zero stands alone: "01" is not a number.
        } else {
            guard digits() > 0 else { return nil }
        }
        if consume(UInt8(ascii: ".")) {
            guard digits() > 0 else { return nil }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard digits() > 0 else { return nil }
        }
        return ReferenceValue(kind: .number, range: start..<index)
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func literal(_ word: String) -> ReferenceValue? {
        let start = index
        for byte in word.utf8 {
            guard consume(byte) else { return nil }
        }
        return ReferenceValue(kind: .literal, range: start..<index)
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private static func hex4(_ bytes: [UInt8], at index: Int) -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            // Each byte on its own: UInt32(_:radix:) would also take a leading '+' or '-'.
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value * 16 + UInt32(digit)
        }
        return value
    }
}
