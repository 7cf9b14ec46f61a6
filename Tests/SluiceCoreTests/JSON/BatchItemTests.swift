import Testing
@testable import SluiceCore

@Suite("BatchParser items")
struct BatchItemTests {
    /// The one visit of a batch holding `item` only.
    private static func visit(_ item: String) -> RecordedItem? {
        let outcome = parseBatch("[" + item + "]")
        #expect(outcome.items.count == 1)
        return outcome.items.first
    }

    @Test("item errors have exact messages, labels and the id when readable", arguments: [
        ("1", "item must be an object", "not_object", nil),
        ("[]", "item must be an object", "not_object", nil),
        (#""a""#, "item must be an object", "not_object", nil),
        ("null", "item must be an object", "not_object", nil),
        ("{}", #"missing field "id""#, "missing_id", nil),
        (#"{"data":{}}"#, #"missing field "id""#, "missing_id", nil),
        (#"{"ID":"a","data":{}}"#, #"missing field "id""#, "missing_id", nil),
        (#"{"id":1,"data":{}}"#, "id must be a string", "bad_id", nil),
        (#"{"id":null,"data":{}}"#, "id must be a string", "bad_id", nil),
        (#"{"id":["a"],"data":{}}"#, "id must be a string", "bad_id", nil),
        (#"{"id":1}"#, "id must be a string", "bad_id", nil),
        (#"{"id":"","data":{}}"#, "id must be 1..256 bytes, got 0", "id_length", ""),
        (#"{"id":"a"}"#, #"missing field "data""#, "missing_data", "a"),
        (#"{"id":"a","metadata":[]}"#, #"missing field "data""#, "missing_data", "a"),
        (#"{"id":"a","data":1}"#, "data must be an object or a string holding a JSON object", "bad_data", "a"),
        (#"{"id":"a","data":[]}"#, "data must be an object or a string holding a JSON object", "bad_data", "a"),
        (#"{"id":"a","data":null}"#, "data must be an object or a string holding a JSON object", "bad_data", "a"),
        (#"{"id":"a","data":false}"#, "data must be an object or a string holding a JSON object", "bad_data", "a"),
        (#"{"id":"a","data":"[1]"}"#, "data string is not a JSON object", "bad_data_string", "a"),
        (#"{"id":"a","data":"\"{}\""}"#, "data string is not a JSON object", "bad_data_string", "a"),
        (#"{"id":"a","data":"{\"k\":}"}"#,
         "data string is not a JSON object: invalid JSON at byte 5: expected a value", "bad_data_string", "a"),
        (#"{"id":"a","data":""}"#,
         "data string is not a JSON object: invalid JSON at byte 0: unexpected end of input", "bad_data_string", "a"),
        (#"{"id":"a","data":"{} {}"}"#,
         "data string is not a JSON object: invalid JSON at byte 3: unexpected content after the value", "bad_data_string", "a"),
        (#"{"id":"a","data":"{\"k\":1,}"}"#,
         "data string is not a JSON object: invalid JSON at byte 7: expected a string key", "bad_data_string", "a"),
        (#"{"id":"a","data":"{\"s\":\"\n\"}"}"#,
         "data string is not a JSON object: invalid JSON at byte 6: unescaped control character 0x0A in string",
         "bad_data_string", "a"),
        (#"{"id":"a","data":"{\"s\":\"\\uD800\"}"}"#,
         "data string is not a JSON object: invalid JSON at byte 6: unpaired UTF-16 surrogate in \\u escape",
         "bad_data_string", "a"),
        (#"{"id":"a","data":{},"metadata":"m"}"#, "metadata must be an array of strings", "bad_metadata", "a"),
        (#"{"id":"a","data":{},"metadata":{}}"#, "metadata must be an array of strings", "bad_metadata", "a"),
        (#"{"id":"a","data":{},"metadata":[1]}"#, "metadata must be an array of strings", "bad_metadata", "a"),
        (#"{"id":"a","data":{},"metadata":["m",null]}"#, "metadata must be an array of strings", "bad_metadata", "a"),
        (#"{"id":"a","data":{},"metadata":[["m"]]}"#, "metadata must be an array of strings", "bad_metadata", "a"),
        (#"{"id":"a","id":"b","data":{}}"#, #"duplicate field "id""#, "duplicate_field", "a"),
        (#"{"id":"a","\u0069d":"b","data":{}}"#, #"duplicate field "id""#, "duplicate_field", "a"),
        (#"{"id":"a","data":{},"data":{}}"#, #"duplicate field "data""#, "duplicate_field", "a"),
        (#"{"data":{},"metadata":[],"id":"a","metadata":null}"#, #"duplicate field "metadata""#, "duplicate_field", "a"),
        (#"{"id":1,"id":2}"#, #"duplicate field "id""#, "duplicate_field", nil),
    ] as [(String, String, String, String?)])
    func itemErrors(_ item: String, message: String, label: String, id: String?) {
        guard case .rejected(let error, let errorID) = Self.visit(item) else {
            Issue.record("item was not rejected: \(item)")
            return
        }
        #expect(error.index == 0)
        #expect(error.reason.message == message)
        #expect(error.reason.label == label)
        #expect(errorID == id)
    }

    @Test("ids of 1 to 256 decoded UTF-8 bytes are accepted", arguments: [
        ("a", 1), (String(repeating: "x", count: 256), 256), (String(repeating: "é", count: 128), 256),
        (String(repeating: #"\u00e9"#, count: 128), 256), (#"a\"b"#, 3), (#"\uD83D\uDE00"#, 4),
    ])
    func validIDLengths(_ id: String, decodedCount: Int) {
        guard case .accepted(let item, let rawID, _, _) = Self.visit(#"{"id":""# + id + #"","data":{}}"#) else {
            Issue.record("item was not accepted")
            return
        }
        #expect(rawID == id)  // still escaped: the raw contents between the quotes
        #expect(item.idDecodedByteCount == decodedCount)
    }

    @Test("ids longer than 256 decoded bytes are rejected with their length", arguments: [
        (String(repeating: "x", count: 257), 257), (String(repeating: "é", count: 129), 258),
        (String(repeating: #"\u20ac"#, count: 86), 258), (String(repeating: "x", count: 300), 300),
    ])
    func overlongIDs(_ id: String, decodedCount: Int) {
        let visit = Self.visit(#"{"id":""# + id + #"","data":{}}"#)
        #expect(visit?.rejection?.reason == .idLength(decodedCount))
        #expect(visit?.rejection?.reason.message == "id must be 1..256 bytes, got \(decodedCount)")
    }

    @Test("a valid item exposes its ranges; unknown fields and field order do not matter")
    func validItemRanges() {
        let body = #"[{"extra":{"id":1},"metadata":["x","y\n"],"data":{"k":[1,"}"]},"id":"i\"d","x":null,"x":2}]"#
        guard case .accepted(let item, let id, let data, let metadata) = parseBatch(body).items.first else {
            Issue.record("item was not accepted")
            return
        }
        #expect(id == #"i\"d"#)
        #expect(item.idDecodedByteCount == 3)
        #expect(data == #"{"k":[1,"}"]}"#)
        #expect(!item.isDataString)
        #expect(metadata == #"["x","y\n"]"#)
        #expect(String(decoding: Array(body.utf8)[item.data], as: UTF8.self) == data)
    }

    @Test("metadata may be absent, null or empty", arguments: [
        (#"{"id":"a","data":{}}"#, nil), (#"{"id":"a","data":{},"metadata":null}"#, nil),
        (#"{"id":"a","data":{},"metadata":[]}"#, "[]"), (#"{"id":"a","data":{},"metadata":[ "" ]}"#, #"[ "" ]"#),
    ] as [(String, String?)])
    func optionalMetadata(_ item: String, metadata: String?) {
        guard case .accepted(_, _, _, let seen) = Self.visit(item) else {
            Issue.record("item was not accepted")
            return
        }
        #expect(seen == metadata)
    }

    @Test("data sent as a string is decoded into the scratch buffer and checked to be one object", arguments: [
        (#""{\"value\":42,\"name\":\"t\u00e9st\"}""#, #"{"value":42,"name":"tést"}"#),
        (#"" \n {\"a\":[1,2]} \t ""#, #"{"a":[1,2]}"#),
        (#""{}""#, "{}"),
        (#""{\"s\":\"\\\"\"}""#, #"{"s":"\""}"#),
    ])
    func dataString(_ data: String, decoded: String) {
        let body = #"[{"id":"a","data":"# + data + "}]"
        guard case .accepted(let item, _, let object, _) = parseBatch(body).items.first else {
            Issue.record("item was not accepted")
            return
        }
        #expect(item.isDataString)
        #expect(object == decoded)
        #expect(String(decoding: Array(body.utf8)[item.data], as: UTF8.self) == data)
    }

    @Test("the scratch buffer is reused without reallocation when it has capacity")
    func scratchIsReused() {
        let items = (0..<20).map { #"{"id":"\#($0)","data":"{\"n\":\#($0),\"pad\":\"\#(String(repeating: "p", count: $0))\"}"}"# }
        let bytes = Array(("[" + items.joined(separator: ",") + "]").utf8)
        var scratch = BatchParseScratch()
        func parse() -> Result<BatchSummary, BatchParseError> {
            bytes.withUnsafeBytes { body in
                var recorder = BatchRecorder(body: body)
                return BatchParser().parse(body, format: .json, scratch: &scratch, visitor: &recorder)
            }
        }
        #expect(parse() == .success(BatchSummary(acceptedCount: 20, rejectedCount: 0)))
        let unescaped = scratch.unescaped.withUnsafeBufferPointer { $0.baseAddress }
        let recorded = scratch.items.withUnsafeBufferPointer { $0.baseAddress }
        #expect(scratch.items.capacity >= 20, "the recorded items' storage comes back to the scratch")
        #expect(parse() == .success(BatchSummary(acceptedCount: 20, rejectedCount: 0)))
        #expect(scratch.unescaped.withUnsafeBufferPointer { $0.baseAddress } == unescaped)
        #expect(scratch.items.withUnsafeBufferPointer { $0.baseAddress } == recorded)
    }

    @Test("errors carry the item's position in a mixed batch")
    func errorIndices() {
        let outcome = parseBatch(#"[{"id":"a","data":{}},2,{"id":"c"},{"id":"d","data":"{}"},{"data":{}}]"#)
        #expect(outcome.summary == BatchSummary(acceptedCount: 2, rejectedCount: 3))
        #expect(outcome.items.compactMap(\.rejection).map { "\($0.index) \($0.reason.label)" }
            == ["1 not_object", "2 missing_data", "4 missing_id"])
    }

    @Test("labels are distinct and all listed")
    func labels() {
        let error = JSONError(offset: 0, reason: .unexpectedEnd)
        let reasons: [BatchItemError.Reason] = [
            .notObject, .invalidJSON(error), .duplicateField(.id), .missingID, .idNotString, .idLength(0), .missingData,
            .badData, .dataStringNotObject(nil), .badMetadata,
        ]
        #expect(reasons.map(\.label) == BatchItemError.Reason.allLabels)
        #expect(Set(BatchItemError.Reason.allLabels).count == reasons.count)
    }
}
