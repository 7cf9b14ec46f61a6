import Testing
@testable import SluiceCore

@Suite("BatchParser whole-batch errors")
struct BatchParseErrorTests {
    @Test("JSON bodies that are not a batch are refused with nothing visited", arguments: [
        ("", BatchParseError.emptyBody),
        (" \r\n\t", .emptyBody),
        ("42", .notBatch),
        (#""items""#, .notBatch),
        ("null", .notBatch),
        ("{}", .missingItems),
        (#"{"item":[]}"#, .missingItems),
        (#"{"data":{"items":[]}}"#, .missingItems),
        (#"{"items":{}}"#, .itemsNotArray),
        (#"{"items":null}"#, .itemsNotArray),
        (#"{"items":"[]"}"#, .itemsNotArray),
        (#"{"items":[],"items":[]}"#, .duplicateItems),
        (#"{"items":[],"\u0069tems":[]}"#, .duplicateItems),
        (#"[{"id":"a","data":{}},]"#, .invalidJSON(JSONError(offset: 22, reason: .expectedValue))),
        (#"[{"id":"a","data":{}}] x"#, .invalidJSON(JSONError(offset: 23, reason: .trailingContent))),
        (#"{"items":[{"id":"a","data":{}}]"#, .invalidJSON(JSONError(offset: 31, reason: .unexpectedEnd))),
        ("{\"id\":\"a\",\"data\":{}}\n{\"id\":\"b\",\"data\":{}}", .invalidJSON(JSONError(offset: 21, reason: .trailingContent))),
    ])
    func refusedBodies(_ body: String, expected: BatchParseError) {
        let outcome = parseBatch(body)
        #expect(outcome.error == expected)
        #expect(outcome.items.isEmpty)
    }

    @Test("one invalid byte after many valid items refuses the whole batch")
    func invalidByteAtTheEnd() {
        var bytes = Array(("[" + Array(repeating: #"{"id":"a","data":{}}"#, count: 50).joined(separator: ",") + "]").utf8)
        bytes.insert(0xFF, at: bytes.count - 1)
        let outcome = parseBatch(bytes)
        #expect(outcome.error == .invalidJSON(JSONError(offset: bytes.count - 2, reason: .expectedCommaOrBracket)))
        #expect(outcome.items.isEmpty)
    }

    @Test("invalid UTF-8 inside a string anywhere refuses the whole batch")
    func invalidUTF8RefusesBatch() {
        let bytes = Array(#"[{"id":"a","data":{}},{"id":"b","data":{"s":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}}]"#.utf8)
        #expect(parseBatch(bytes).error?.message.hasPrefix("invalid JSON at byte") == true)
        #expect(parseBatch(bytes).items.isEmpty)
    }

    @Test("a byte order mark refuses the batch")
    func byteOrderMark() {
        let outcome = parseBatch([0xEF, 0xBB, 0xBF] + Array("[]".utf8))
        #expect(outcome.error == .invalidJSON(JSONError(offset: 0, reason: .byteOrderMark)))
    }

    @Test("nesting deeper than the limit, counted from the body's top level, refuses the batch")
    func nestingCountsFromTopLevel() {
        let data = String(repeating: "[", count: 61) + String(repeating: "]", count: 61)
        let fits = #"{"items":[{"id":"a","data":{"d":"# + data + "}}]}"  // 4 + 61 = 65 levels
        #expect(parseBatch(fits).error?.message == "invalid JSON at byte 92: arrays and objects nested deeper than 64 levels")
        let dataOK = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(parseBatch(#"{"items":[{"id":"a","data":{"d":"# + dataOK + "}}]}").summary?.acceptedCount == 1)
    }

    @Test("NDJSON bodies with no non-blank line are refused", arguments: ["", "\n", "\r\n\r\n", " \t \n  \n"])
    func ndjsonWithoutItems(_ body: String) {
        #expect(parseBatch(body, format: .ndjson).error == .emptyBody)
    }

    @Test("more items than maxItems refuses the batch before any item is visited", arguments: [BatchFormat.json, .ndjson])
    func tooManyItems(_ format: BatchFormat) {
        let item = #"{"id":"a","data":{}}"#
        func body(_ count: Int) -> String {
            let items = Array(repeating: item, count: count)
            return format == .json ? "[" + items.joined(separator: ",") + "]" : items.joined(separator: "\n") + "\n\n"
        }
        let over = parseBatch(body(4), format: format, maxItems: 3)
        #expect(over.error == .tooManyItems(limit: 3))
        #expect(over.error?.message == "batch holds more than 3 items")
        #expect(over.items.isEmpty)
        #expect(parseBatch(body(3), format: format, maxItems: 3).summary?.acceptedCount == 3)
        // Small items, where the byte-count bound alone proves the limit is kept.
        let smallItems = format == .json ? "[1,2,3]" : "1\n2\n3"
        #expect(parseBatch(smallItems, format: format, maxItems: 3).summary?.rejectedCount == 3)
        #expect(parseBatch(smallItems, format: format, maxItems: 2).error == .tooManyItems(limit: 2))
    }

    @Test("every error has a message", arguments: [
        (BatchParseError.emptyBody, "request body is empty or blank"),
        (.invalidJSON(JSONError(offset: 12, reason: .expectedCommaOrBracket)), "invalid JSON at byte 12: expected ',' or ']'"),
        (.notBatch, #"body must be a JSON array of items or an object with an "items" array"#),
        (.missingItems, #"missing field "items""#),
        (.itemsNotArray, #""items" must be an array"#),
        (.duplicateItems, #"duplicate field "items""#),
        (.tooManyItems(limit: 1000), "batch holds more than 1000 items"),
    ])
    func messages(_ error: BatchParseError, expected: String) {
        #expect(error.message == expected)
    }
}
