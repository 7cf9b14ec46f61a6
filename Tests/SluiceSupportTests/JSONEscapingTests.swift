import SluiceSupport
import Testing

@Suite struct JSONEscapingTests {
    private func escaped(_ text: String) -> String {
        var bytes: [UInt8] = []
        JSONEscaping.escape(text) { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: [
        ("", ""),
        ("plain text", "plain text"),
        (#"say "hi""#, #"say \"hi\""#),
        (#"C:\path"#, #"C:\\path"#),
        ("a\nb\rc\td", #"a\nb\rc\td"#),
        ("\u{0}\u{1}\u{1F}", #"\u0000\u0001\u001f"#),
        ("\u{7F}", "\u{7F}"),  // DEL is not a control character for JSON
        ("héllo ☃ 🎉", "héllo ☃ 🎉"),
        ("\"\"\\", #"\"\"\\"#),
    ])
    func escapes_QuoteBackslashAndControls_Only(text: String, expected: String) {
        #expect(escaped(text) == expected)
    }

    @Test func everyControlCharacter_GivesValidJSON_ThatDecodesBack() throws {
        let text = String(decoding: (0..<0x20).map { UInt8($0) } + Array("end\"\\".utf8), as: UTF8.self)
        let json = "\"" + escaped(text) + "\""
        // The escaped form contains no raw control character.
        #expect(!json.utf8.contains { $0 < 0x20 })
        let decoded = try #require(decodeJSONString(json))
        #expect(decoded == text)
    }

    @Test func unescapedRuns_ArriveInOneCall() {
        var calls: [String] = []
        JSONEscaping.escape("abc\"def") { calls.append(String(decoding: $0, as: UTF8.self)) }
        #expect(calls == ["abc", "\\\"", "def"])
    }

    /// A small reference decoder for the escapes `escape` writes.
    private func decodeJSONString(_ json: String) -> String? {
        var bytes = Array(json.utf8)
        guard bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else { return nil }
        bytes = Array(bytes.dropFirst().dropLast())
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else { out.append(byte); index += 1; continue }
            guard index + 1 < bytes.count else { return nil }
            switch bytes[index + 1] {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\"")); index += 2
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); index += 2
            case UInt8(ascii: "n"): out.append(0x0A); index += 2
            case UInt8(ascii: "r"): out.append(0x0D); index += 2
            case UInt8(ascii: "t"): out.append(0x09); index += 2
            case UInt8(ascii: "u"):
                guard index + 6 <= bytes.count,
                      let value = UInt8(String(decoding: bytes[(index + 2)..<(index + 6)], as: UTF8.self), radix: 16)
                else { return nil }
                out.append(value)
                index += 6
            default: return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
