import Testing
@testable import SluiceCore

@Suite("BatchParser body forms")
struct BatchParserFormTests {
    private static let twoItems = #"{"id":"a","data":{"x":1}},{"id":"b","data":{},"metadata":["m"]}"#

    /// (id, data, metadata) of each accepted item, in order.
    private static func accepted(_ outcome: BatchOutcome) -> [String] {
        outcome.items.compactMap {
            guard case .accepted(_, let id, let data, let metadata) = $0 else { return nil }
            return "\(id) \(data) \(metadata ?? "-")"
        }
    }

    @Test("a JSON array body visits every item in order")
    func arrayBody() {
        let outcome = parseBatch("[" + Self.twoItems + "]")
        #expect(outcome.summary == BatchSummary(acceptedCount: 2, rejectedCount: 0))
        #expect(Self.accepted(outcome) == [#"a {"x":1} -"#, #"b {} ["m"]"#])
        #expect(outcome.items.compactMap(\.acceptedItem?.index) == [0, 1])
    }

    @Test("an object body reads \"items\" and ignores other top-level fields")
    func objectBody() {
        let body = #"{"version":2,"extra":{"items":1},"items":["# + Self.twoItems + #"],"tail":[1]}"#
        let outcome = parseBatch(body)
        #expect(outcome.summary?.acceptedCount == 2)
        #expect(Self.accepted(outcome) == [#"a {"x":1} -"#, #"b {} ["m"]"#])
    }

    @Test("items are recorded in the validation pass: item-shaped values elsewhere in the body are not items")
    func onlyTheItemsArrayHoldsItems() {
        let decoy = #"[{"id":"decoy","data":{}}]"#
        let body = #"{"before":"# + decoy + #","nested":{"items":"# + decoy + #"},"items":["# + Self.twoItems
            + #"],"after":"# + decoy + "}"
        let outcome = parseBatch(body)
        #expect(outcome.summary == BatchSummary(acceptedCount: 2, rejectedCount: 0))
        #expect(Self.accepted(outcome) == [#"a {"x":1} -"#, #"b {} ["m"]"#])
    }

    @Test("fields nested inside data or metadata are not the item's own fields")
    func nestedFieldNamesAreNotItemFields() {
        let body = #"[{"data":{"id":"inner","data":{},"metadata":[1]},"id":"outer","metadata":["m",""]},"#
            + #"{"id":"x","data":{},"metadata":["ok",{"id":"y"}]},{"id":"z","data":{},"metadata":[["s"]]}]"#
        let outcome = parseBatch(body)
        #expect(Self.accepted(outcome) == [#"outer {"id":"inner","data":{},"metadata":[1]} ["m",""]"#])
        #expect(outcome.items.compactMap(\.rejection?.reason) == [.badMetadata, .badMetadata])
    }

    @Test("an escaped \"items\" name is still items")
    func escapedItemsName() {
        #expect(parseBatch(#"{"\u0069tems":[{"id":"a","data":{}}]}"#).summary?.acceptedCount == 1)
    }

    @Test("whitespace is allowed wherever JSON allows it")
    func whitespaceEverywhere() {
        let body = " \r\n[ {\t\"id\" : \"a\" ,\n \"data\" : { \"x\" : [ 1 ] } , \"metadata\" : [ \"m\" ] } ]\n"
        let outcome = parseBatch(body)
        #expect(Self.accepted(outcome) == [#"a { "x" : [ 1 ] } [ "m" ]"#])
    }

    @Test("empty item arrays are accepted with nothing visited", arguments: ["[]", " [ ] ", #"{"items":[]}"#])
    func emptyItemArrays(_ body: String) {
        let outcome = parseBatch(body)
        #expect(outcome.summary == BatchSummary())
        #expect(outcome.items.isEmpty)
    }

    @Test("NDJSON: one item per line; blank lines, CRLF and a final newline are fine", arguments: [
        "{\"id\":\"a\",\"data\":{\"x\":1}}\n{\"id\":\"b\",\"data\":{},\"metadata\":[\"m\"]}",
        "{\"id\":\"a\",\"data\":{\"x\":1}}\n{\"id\":\"b\",\"data\":{},\"metadata\":[\"m\"]}\n",
        "{\"id\":\"a\",\"data\":{\"x\":1}}\r\n{\"id\":\"b\",\"data\":{},\"metadata\":[\"m\"]}\r\n",
        "\n\n{\"id\":\"a\",\"data\":{\"x\":1}}\n \t \n\r\n  {\"id\":\"b\",\"data\":{},\"metadata\":[\"m\"]}  \n\n",
    ])
    func ndjsonLines(_ body: String) {
        let outcome = parseBatch(body, format: .ndjson)
        #expect(outcome.summary == BatchSummary(acceptedCount: 2, rejectedCount: 0))
        #expect(Self.accepted(outcome) == [#"a {"x":1} -"#, #"b {} ["m"]"#])
        #expect(outcome.items.compactMap(\.acceptedItem?.index) == [0, 1])
    }

    @Test("NDJSON: a bad line is an item error and the other lines still count")
    func ndjsonBadLines() {
        let body = "{\"id\":\"a\",\"data\":{}}\n\n{\"id\":\"b\",\"data\":{}\n[1]\n{\"id\":\"c\",\"data\":{}} x\n{\"id\":\"d\",\"data\":{}}\n"
        let outcome = parseBatch(body, format: .ndjson)
        #expect(outcome.summary == BatchSummary(acceptedCount: 2, rejectedCount: 3))
        #expect(outcome.items.map { $0.rejection?.reason } == [
            nil,
            .invalidJSON(JSONError(offset: 19, reason: .unexpectedEnd)),  // offset within the line
            .notObject,
            .invalidJSON(JSONError(offset: 21, reason: .trailingContent)),
            nil,
        ])
        #expect(outcome.items.map { $0.rejection?.index ?? $0.acceptedItem!.index } == [0, 1, 2, 3, 4])
        #expect(outcome.items.last?.acceptedItem.map { String(decoding: Array(body.utf8)[$0.id], as: UTF8.self) } == "d")
    }

    @Test("NDJSON: item ranges are offsets into the whole body")
    func ndjsonRangesAreBodyOffsets() {
        let body = "\n{\"id\":\"a\",\"data\":{}}\r\n  {\"id\":\"bb\",\"data\":{\"k\":true}}"
        let outcome = parseBatch(body, format: .ndjson)
        let bytes = Array(body.utf8)
        let items = outcome.items.compactMap(\.acceptedItem)
        #expect(items.map { String(decoding: bytes[$0.id], as: UTF8.self) } == ["a", "bb"])
        #expect(items.map { String(decoding: bytes[$0.data], as: UTF8.self) } == ["{}", #"{"k":true}"#])
    }

    @Test("the closure form reports the same items")
    func closureForm() {
        let bytes = Array(("[" + Self.twoItems + ",1]").utf8)
        var scratch = BatchParseScratch()
        var events: [String] = []
        let result = bytes.withUnsafeBytes { body in
            BatchParser().parse(body, format: .json, scratch: &scratch) { event in
                switch event {
                case .accepted(let item, let dataObject):
                    events.append("\(item.index) \(String(decoding: dataObject, as: UTF8.self))")
                case .rejected(let error):
                    events.append("\(error.index) \(error.reason.label)")
                }
            }
        }
        #expect(result == .success(BatchSummary(acceptedCount: 2, rejectedCount: 1)))
        #expect(events == [#"0 {"x":1}"#, "1 {}", "2 not_object"])
    }

    @Test("the three body forms give the same verdicts for the same items")
    func formsAgree() {
        let items = [
            #"{"id":"a","data":{"x":[1,2]},"metadata":["m"]}"#, "7", #"{"id":"","data":{}}"#, #"{"id":"b"}"#,
            #"{"id":"c","data":"{\"y\":true}"}"#, #"{"id":"d","data":"[]"}"#, #"{"id":"e","id":"f","data":{}}"#,
            #"{"id":"g","data":{},"metadata":[1]}"#, #"{"id":"h\u00e9","data":{},"metadata":null}"#,
        ]
        func verdicts(_ outcome: BatchOutcome) -> [String] {
            outcome.items.map {
                switch $0 {
                case .accepted(let item, let id, let data, let metadata): "\(item.index) \(id) \(data) \(metadata ?? "-")"
                case .rejected(let error, let id): "\(error.index) \(id ?? "-") \(error.reason.message)"
                }
            }
        }
        let array = verdicts(parseBatch("[" + items.joined(separator: ",") + "]"))
        let object = verdicts(parseBatch(#"{"items":["# + items.joined(separator: ",\n") + "]}"))
        let lines = verdicts(parseBatch(items.joined(separator: "\r\n"), format: .ndjson))
        #expect(array.count == items.count)
        #expect(object == array)
        #expect(lines == array)
        #expect(array[5] == #"5 d data string is not a JSON object"#)
    }
}
