import Testing
@testable import SluiceCore

@Suite("JSONString decoding")
struct JSONStringTests {
    @Test("decodedByteCount counts UTF-8 bytes after unescaping", arguments: [
        ("", 0), ("abc", 3), (#"\n"#, 1), (#"\""#, 1), (#"\/"#, 1), (#"\u0041"#, 1), (#"\u00e9"#, 2), (#"\u20AC"#, 3),
        (#"\uD83D\uDE00"#, 4), ("é", 2), ("😀", 4), (#"item-\u0031\t\\longer than 8"#, 21),
    ])
    func decodedByteCount(_ contents: String, expected: Int) {
        let count = Array(contents.utf8).withUnsafeBytes { JSONString.decodedByteCount($0) }
        #expect(count == expected)
    }

    @Test("unescape decodes every escape", arguments: [
        ("", ""), ("plain text", "plain text"), (#"\"\\\/\b\f\n\r\t"#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#"\u0041\u00e9\u20ac\uD83D\uDE00"#, "Aé€😀"), (#"{\"a\":[1,\"x\"]}"#, #"{"a":[1,"x"]}"#),
        (#"a long run of plain bytes\u0021"#, "a long run of plain bytes!"), ("é😀", "é😀"), (#"\u0000"#, "\u{0}"),
    ])
    func unescape(_ contents: String, expected: String) {
        var buffer: [UInt8] = []
        Array(contents.utf8).withUnsafeBytes { JSONString.unescape($0, appendingTo: &buffer) }
        #expect(buffer == Array(expected.utf8))
        #expect(Array(contents.utf8).withUnsafeBytes { JSONString.decodedByteCount($0) } == buffer.count)
    }

    @Test("unescape appends and does not reallocate a buffer with enough capacity")
    func unescapeReusesCapacity() {
        var buffer: [UInt8] = Array("<".utf8)
        buffer.reserveCapacity(256)
        let before = buffer.withUnsafeBufferPointer { $0.baseAddress }
        Array(#"a\u00e9\n"#.utf8).withUnsafeBytes { JSONString.unescape($0, appendingTo: &buffer) }
        #expect(buffer == Array("<aé\n".utf8))
        #expect(buffer.withUnsafeBufferPointer { $0.baseAddress } == before)
    }

    @Test("malformed contents decode as U+FFFD instead of trapping", arguments: [
        #"\"#, #"\u12"#, #"\uD800"#, #"\uDC00x"#, #"\q"#, #"\uZZZZ"#, #"\uD800\u0041"#,
    ])
    func malformedContentsDoNotTrap(_ contents: String) {
        var buffer: [UInt8] = []
        let count = Array(contents.utf8).withUnsafeBytes { raw in
            JSONString.unescape(raw, appendingTo: &buffer)
            return JSONString.decodedByteCount(raw)
        }
        #expect(count == buffer.count)
        #expect(String(decoding: buffer, as: UTF8.self).unicodeScalars.contains("\u{FFFD}"))
    }

    @Test("decoded names compare equal whatever their escapes", arguments: [
        ("id", true), (#"\u0069d"#, true), (#"i\u0064"#, true), (#"\u0069\u0064"#, true), ("idx", false),
        ("i", false), ("", false), (#"\u0069"#, false), ("ID", false), (#"\u0069d\n"#, false), (#"\"#, false),
    ])
    func decodedContentsEqual(_ contents: String, expected: Bool) {
        #expect(Array(contents.utf8).withUnsafeBytes { JSONString.decodedContents($0, equal: "id") } == expected)
    }
}

@Suite("JSONSkipper over validated JSON")
struct JSONSkipperTests {
    @Test("valueEnd agrees with the scanner", arguments: [
        "0", "-1.5e3", "true", "null", #""a\"b\\""#, #"[1,[2,[3]],{"a":"]}"}]"#, #"{"k":{"k":[]},"s":"{\"x\":1}"}"#,
        #"["12345678\"]}","abcdefgh"]"#, #"{"y_":"Y","z":[null]}"#,
    ])
    func valueEndAgreesWithScanner(_ text: String) throws {
        let bytes = Array((text + " ,").utf8)
        let range = try bytes.withUnsafeBytes { try JSONScanner().scanValue($0, from: 0).get() }
        #expect(bytes.withUnsafeBytes { JSONSkipper.valueEnd($0, from: 0) } == range.upperBound)
    }

    @Test("array elements and object members are listed in order")
    func elementsAndMembers() {
        let bytes = Array(#"[ 1 , "a,b" , {"k" : [2]} , [] ]"#.utf8)
        bytes.withUnsafeBytes { raw in
            var elements = JSONArrayElements(raw, arrayAt: 0)
            var texts: [String] = []
            while let element = elements.next() { texts.append(bodyText(raw, element)) }
            #expect(texts == ["1", #""a,b""#, #"{"k" : [2]}"#, "[]"])
        }
        let object = Array(#"{ "a" : 1 , "b\"" : {"c":2} , "" : "" }"#.utf8)
        object.withUnsafeBytes { raw in
            var members = JSONObjectMembers(raw, objectAt: 0)
            var pairs: [String] = []
            while let member = members.next() { pairs.append(bodyText(raw, member.name) + "=" + bodyText(raw, member.value)) }
            #expect(pairs == ["a=1", #"b\"={"c":2}"#, #"="""#])
            #expect(members.end == object.count)
        }
    }

    @Test("empty containers have no elements")
    func emptyContainers() {
        Array("[ ]".utf8).withUnsafeBytes { raw in
            var elements = JSONArrayElements(raw, arrayAt: 0)
            #expect(elements.next() == nil)
        }
        Array("{ }".utf8).withUnsafeBytes { raw in
            var members = JSONObjectMembers(raw, objectAt: 0)
            #expect(members.next() == nil)
            #expect(members.end == 3)
        }
    }
}
