import Testing
@testable import SluiceCore

@Suite("JSONScanner grammar")
struct JSONScannerTests {
    @Test("accepts valid documents", arguments: [
        "0", "-0", "123", "-1", "1.5", "-0.25", "1e5", "1E5", "1e+5", "1e-5", "-0.0e-0", "12345678901234567890",
        "1.7976931348623157e309", "true", "false", "null", #""""#, #""plain""#, #""longer than eight bytes""#,
        #""\"\\\/\b\f\n\r\t""#, #""\u00e9\u20AC\uD83D\uDE00\u0000""#, "\"é€😀\"", "[]", "{}", "[[]]", "[{}]",
        "[1,2,3]", #"{"a":1}"#, #"{"a":{"b":[null,true,false]},"c":"d"}"#, " \t\r\n[ 1 , 2 ] \n",
        "{ \"a\" : [ ] , \"b\" : { } }", #"{"":""}"#, #"{"a":1,"a":2}"#, #"["12345678\"","1234567\\"]"#,
    ])
    func acceptsValidDocuments(_ text: String) {
        #expect(throws: Never.self) { try validateJSON(text).get() }
    }

    @Test("the range excludes surrounding whitespace")
    func rangeExcludesWhitespace() throws {
        #expect(try validateJSON("  [1, 2]\n").get() == 2..<8)
        #expect(try validateJSON("7").get() == 0..<1)
    }

    @Test("rejects invalid documents at the offending byte", arguments: [
        ("", 0, JSONError.Reason.unexpectedEnd),
        ("   ", 3, .unexpectedEnd),
        ("[1,]", 3, .expectedValue),
        ("[,1]", 1, .expectedValue),
        ("[1 2]", 3, .expectedCommaOrBracket),
        ("[1}", 2, .expectedCommaOrBracket),
        ("[}", 1, .expectedValue),
        ("{]", 1, .expectedKeyOrBrace),
        ("{,}", 1, .expectedKeyOrBrace),
        ("{1:2}", 1, .expectedKeyOrBrace),
        (#"{"a":1,}"#, 7, .expectedKey),
        (#"{"a":1,2}"#, 7, .expectedKey),
        (#"{"a" 1}"#, 5, .expectedColon),
        (#"{"a"}"#, 4, .expectedColon),
        (#"{"a":}"#, 5, .expectedValue),
        (#"{"a":1 "b":2}"#, 7, .expectedCommaOrBrace),
        (#"{"a":1]"#, 6, .expectedCommaOrBrace),
        ("[1] 2", 4, .trailingContent),
        ("[1]]", 3, .trailingContent),
        (#"{"a":1}}"#, 7, .trailingContent),
        ("1 2", 2, .trailingContent),
        ("[1,2", 4, .unexpectedEnd),
        (#"{"a":1"#, 6, .unexpectedEnd),
        (#"{"a""#, 4, .unexpectedEnd),
        ("[", 1, .unexpectedEnd),
        ("01", 1, .leadingZero),
        ("-01", 2, .leadingZero),
        ("-", 1, .unexpectedEnd),
        ("-a", 1, .expectedDigit),
        ("1.", 2, .unexpectedEnd),
        ("1.e5", 2, .expectedDigit),
        ("[1.]", 3, .expectedDigit),
        ("1e", 2, .unexpectedEnd),
        ("1e+", 3, .unexpectedEnd),
        ("[1e]", 3, .expectedDigit),
        ("+1", 0, .expectedValue),
        (".5", 0, .expectedValue),
        ("[-Infinity]", 2, .expectedDigit),
        ("[NaN]", 1, .expectedValue),
        ("0x10", 1, .trailingContent),
        ("tru", 3, .unexpectedEnd),
        ("trux", 0, .invalidLiteral),
        ("[nul1]", 1, .invalidLiteral),
        ("True", 0, .expectedValue),
        ("'a'", 0, .expectedValue),
        ("/* c */ 1", 0, .expectedValue),
        (#""abc"#, 4, .unterminatedString),
        (#"["abcdefghijkl"#, 14, .unterminatedString),
        ("\"a\nb\"", 2, .controlCharacter(0x0A)),
        ("\"a\tb\"", 2, .controlCharacter(0x09)),
        ("\"abcdefghij\u{1F}\"", 11, .controlCharacter(0x1F)),
        (#""\x""#, 2, .invalidEscape(0x78)),
        (#""\'""#, 2, .invalidEscape(0x27)),
        (#""\U0041""#, 2, .invalidEscape(0x55)),
        (#""\u12G4""#, 5, .invalidHexDigit(0x47)),
        (#""\u12""#, 5, .invalidHexDigit(0x22)),
        (#""\uD800""#, 1, .unpairedSurrogate),
        (#""\uDC00""#, 1, .unpairedSurrogate),
        (#""\uDBFF\uDBFF""#, 1, .unpairedSurrogate),
        (#""\uD800\u0041""#, 1, .unpairedSurrogate),
        (#""\uD800\n""#, 1, .unpairedSurrogate),
        (#""\uD800x""#, 1, .unpairedSurrogate),
        (#""ok\uDE00\uD83D""#, 3, .unpairedSurrogate),
    ])
    func rejectsInvalidDocuments(_ text: String, offset: Int, reason: JSONError.Reason) {
        #expect(jsonError(validateJSON(text)) == JSONError(offset: offset, reason: reason))
    }

    @Test("only space, tab, LF and CR are whitespace", arguments: [
        [0x0B, 0x31], [0x0C, 0x31], [0x00, 0x31], [0xC2, 0xA0, 0x31], [0xE2, 0x80, 0xA8, 0x31], [0x5B, 0x0C, 0x5D],
    ] as [[UInt8]])
    func otherWhitespaceIsRejected(_ bytes: [UInt8]) {
        #expect(jsonError(validateJSON(bytes))?.reason == .expectedValue)
    }

    @Test("every strict prefix of a valid document fails at its end", arguments: [
        #"{"id":"a\"b","n":[1,-2.5e+3,true,false,null],"s":"\u00e9\uD83D\uDE00é😀","o":{}}"#,
        #"[0,"abcdefghijklmnop",{"k":"v"},[[]],-0.0E-1]"#,
    ])
    func everyPrefixFailsAtItsEnd(_ text: String) {
        let bytes = Array(text.utf8)
        #expect(throws: Never.self) { try validateJSON(bytes).get() }
        for length in 0..<bytes.count {
            let error = jsonError(validateJSON(Array(bytes[0..<length])))
            #expect(error?.offset == length, "prefix of \(length) bytes")
            #expect(error?.reason == .unexpectedEnd || error?.reason == .unterminatedString, "prefix of \(length) bytes")
        }
    }

    @Test("error messages name the offset and the rule, never the input")
    func errorMessages() {
        #expect(JSONError(offset: 12, reason: .expectedCommaOrBracket).message == "invalid JSON at byte 12: expected ',' or ']'")
        #expect(JSONError(offset: 3, reason: .controlCharacter(0x0A)).message
            == "invalid JSON at byte 3: unescaped control character 0x0A in string")
        #expect(JSONError(offset: 0, reason: .invalidUTF8(0xC0)).description == "invalid JSON at byte 0: invalid UTF-8 byte 0xC0")
        #expect(JSONError(offset: 64, reason: .nestingTooDeep(limit: 64)).message
            == "invalid JSON at byte 64: arrays and objects nested deeper than 64 levels")
        #expect(jsonError(validateJSON("[SECRET]"))?.message == "invalid JSON at byte 1: expected a value")
    }

    @Test("scanValue returns the range of one value and ignores what follows", arguments: [
        ("  [1, 2] trailing", 0, 2..<8),
        (#"ab"str"cd"#, 2, 2..<7),
        (#"[1,{"a":2},3]"#, 3, 3..<10),
        ("x 42,", 1, 2..<4),
        ("[] []", 2, 3..<5),
    ])
    func scanValueFromOffset(_ text: String, offset: Int, expected: Range<Int>) throws {
        let range = try Array(text.utf8).withUnsafeBytes { try JSONScanner().scanValue($0, from: offset).get() }
        #expect(range == expected)
    }

    @Test("scanValue reports errors with offsets into the whole buffer")
    func scanValueErrorOffsets() {
        let result = Array("xx[1,]".utf8).withUnsafeBytes { JSONScanner().scanValue($0, from: 2) }
        #expect(result == .failure(JSONError(offset: 5, reason: .expectedValue)))
    }
}
