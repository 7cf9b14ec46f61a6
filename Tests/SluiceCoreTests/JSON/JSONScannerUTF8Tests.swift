import Testing
@testable import SluiceCore

@Suite("JSONScanner UTF-8 and byte order mark")
struct JSONScannerUTF8Tests {
    /// `bytes` inside a JSON string: a quote, the bytes, a quote.
    private static func quoted(_ bytes: [UInt8]) -> [UInt8] { [0x22] + bytes + [0x22] }

    @Test("accepts the boundary sequences of RFC 3629", arguments: [
        [0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xEC, 0xBF, 0xBF], [0xED, 0x80, 0x80],
        [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
        [0xF3, 0xBF, 0xBF, 0xBF], [0xF4, 0x80, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
    ] as [[UInt8]])
    func acceptsBoundarySequences(_ sequence: [UInt8]) {
        #expect(throws: Never.self) { try validateJSON(Self.quoted(sequence)).get() }
        // Also after a run of plain bytes, so the word-at-a-time path hands over mid-string.
        #expect(throws: Never.self) { try validateJSON(Self.quoted(Array("abcdefghij".utf8) + sequence)).get() }
    }

    @Test("rejects invalid sequences at the first byte that cannot follow", arguments: [
        ([0xC0, 0x80], 1, 0xC0),  // overlong NUL
        ([0xC1, 0xBF], 1, 0xC1),  // overlong
        ([0xE0, 0x80, 0x80], 2, 0x80),  // overlong 3-byte
        ([0xE0, 0x9F, 0xBF], 2, 0x9F),  // overlong 3-byte
        ([0xED, 0xA0, 0x80], 2, 0xA0),  // UTF-8-encoded high surrogate U+D800
        ([0xED, 0xBF, 0xBF], 2, 0xBF),  // UTF-8-encoded low surrogate U+DFFF
        ([0xF0, 0x80, 0x80, 0x80], 2, 0x80),  // overlong 4-byte
        ([0xF0, 0x8F, 0xBF, 0xBF], 2, 0x8F),  // overlong 4-byte
        ([0xF4, 0x90, 0x80, 0x80], 2, 0x90),  // U+110000
        ([0xF5, 0x80, 0x80, 0x80], 1, 0xF5),  // beyond U+10FFFF
        ([0xF8, 0x88, 0x80, 0x80, 0x80], 1, 0xF8),  // 5-byte form
        ([0xFF], 1, 0xFF),
        ([0xFE], 1, 0xFE),
        ([0x80], 1, 0x80),  // lone continuation byte
        ([0xBF, 0x80], 1, 0xBF),
        ([0xC3], 2, 0x22),  // truncated by the closing quote
        ([0xE2, 0x82], 3, 0x22),
        ([0xF0, 0x9F, 0x98], 4, 0x22),
        ([0xC3, 0x41], 2, 0x41),  // ASCII where a continuation byte belongs
        ([0xE2, 0xC3, 0xA9], 2, 0xC3),  // lead byte where a continuation byte belongs
    ] as [([UInt8], Int, UInt8)])
    func rejectsInvalidSequences(_ sequence: [UInt8], offset: Int, byte: UInt8) {
        let error = jsonError(validateJSON(Self.quoted(sequence)))
        #expect(error == JSONError(offset: offset, reason: .invalidUTF8(byte)))
    }

    @Test("a sequence cut by the end of input is an unterminated string")
    func truncatedAtEndOfInput() {
        #expect(jsonError(validateJSON([0x22, 0xE2, 0x82])) == JSONError(offset: 3, reason: .unterminatedString))
    }

    @Test("NUL and other control bytes inside strings are rejected", arguments: [0x00, 0x01, 0x0D, 0x1F] as [UInt8])
    func controlBytesInStrings(_ byte: UInt8) {
        #expect(jsonError(validateJSON([0x22, byte, 0x22])) == JSONError(offset: 1, reason: .controlCharacter(byte)))
        #expect(throws: Never.self) { try validateJSON([0x22, 0x7F, 0x22]).get() }  // DEL needs no escape
    }

    @Test("non-ASCII bytes outside strings are not values")
    func nonASCIIOutsideStrings() {
        #expect(jsonError(validateJSON([0xC3, 0xA9])) == JSONError(offset: 0, reason: .expectedValue))
        #expect(jsonError(validateJSON([0x5B, 0x31, 0xC2, 0xA0, 0x5D])) == JSONError(offset: 2, reason: .expectedCommaOrBracket))
    }

    @Test("a UTF-8 byte order mark is rejected at byte 0")
    func byteOrderMarkIsRejected() {
        #expect(jsonError(validateJSON([0xEF, 0xBB, 0xBF, 0x5B, 0x5D])) == JSONError(offset: 0, reason: .byteOrderMark))
        #expect(jsonError(validateJSON([0xEF, 0xBB, 0xBF])) == JSONError(offset: 0, reason: .byteOrderMark))
        #expect(jsonError(validateJSON([0xEF, 0xBB])) == JSONError(offset: 0, reason: .expectedValue))
        // Inside a string, U+FEFF is an ordinary character.
        #expect(throws: Never.self) { try validateJSON([0x22, 0xEF, 0xBB, 0xBF, 0x22]).get() }
    }

    @Test("every special byte is found at every position of a word")
    func specialBytesAtEveryLanePosition() throws {
        for position in 0..<17 {
            let prefix = [UInt8](repeating: UInt8(ascii: "a"), count: position)
            #expect(jsonError(validateJSON([0x22] + prefix + [0x0A, 0x22]))
                == JSONError(offset: 1 + position, reason: .controlCharacter(0x0A)), "at \(position)")
            #expect(jsonError(validateJSON([0x22] + prefix + [0xFF, 0x22]))
                == JSONError(offset: 1 + position, reason: .invalidUTF8(0xFF)), "at \(position)")
            #expect(try validateJSON([0x22] + prefix + [0x22, 0x20]).get() == 0..<(position + 2), "at \(position)")
            #expect(throws: Never.self) { try validateJSON([0x22] + prefix + [0x5C, 0x22, 0x22]).get() }
        }
    }
}
