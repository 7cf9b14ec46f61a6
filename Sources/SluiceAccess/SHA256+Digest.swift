extension SHA256 {
    /// A SHA-256 digest: 32 bytes, held as the eight big-endian words H0...H7.
    ///
    /// `==` takes the same time whatever the digests hold (every word is compared, no early
    /// exit), so comparing a presented token's digest with a stored one says nothing about how
    /// much of it matched. `description` never shows the bytes, so a digest that ends up in a
    /// log line leaks nothing either; `hex` is for the auth file and tests.
    package struct Digest: Sendable, Hashable, CustomStringConvertible {
        package let words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

        package init(words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)) {
            self.words = words
        }

        /// Parses 64 hex digits (either case); nil for anything else.
        package init?(hex: some StringProtocol) {
            let digits = Array(hex.utf8)
            guard digits.count == 64 else { return nil }
            var parsed: [UInt32] = []
            parsed.reserveCapacity(8)
            for word in 0..<8 {
                var value: UInt32 = 0
                for digit in digits[(word * 8)..<(word * 8 + 8)] {
                    guard let nibble = Self.nibble(digit) else { return nil }
                    value = value << 4 | UInt32(nibble)
                }
                parsed.append(value)
            }
            words = (parsed[0], parsed[1], parsed[2], parsed[3], parsed[4], parsed[5], parsed[6], parsed[7])
        }

        private static func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }

        /// The 64 lowercase hex digits, as `sha256sum` prints them.
        package var hex: String {
            let alphabet = Array("0123456789abcdef".utf8)
            var text: [UInt8] = []
            text.reserveCapacity(64)
            for word in [words.0, words.1, words.2, words.3, words.4, words.5, words.6, words.7] {
                for shift in stride(from: 28, through: 0, by: -4) {
                    text.append(alphabet[Int((word >> UInt32(shift)) & 0xF)])
                }
            }
            return String(decoding: text, as: UTF8.self)
        }

        /// A word to place the digest in a hash table by: SHA-256 output is uniform, so its
        /// leading bits need no further mixing.
        var tableKey: UInt64 { UInt64(words.0) << 32 | UInt64(words.1) }

        /// Constant time: all eight words are always compared.
        package static func == (lhs: Digest, rhs: Digest) -> Bool {
            let difference = (lhs.words.0 ^ rhs.words.0) | (lhs.words.1 ^ rhs.words.1) | (lhs.words.2 ^ rhs.words.2)
                | (lhs.words.3 ^ rhs.words.3) | (lhs.words.4 ^ rhs.words.4) | (lhs.words.5 ^ rhs.words.5)
                | (lhs.words.6 ^ rhs.words.6) | (lhs.words.7 ^ rhs.words.7)
            return difference == 0
        }

        package func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
        }

        /// Redacted: digests of tokens do not belong in logs.
        package var description: String { "SHA256.Digest(redacted)" }
    }
}
