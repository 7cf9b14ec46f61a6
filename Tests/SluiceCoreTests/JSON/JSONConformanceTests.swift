import Testing
@testable import SluiceCore

/// The JSONTestSuite `test_parsing` corpus (nst/JSONTestSuite): y_ must be accepted, n_
/// rejected, i_ may go either way but must not crash or hang.
@Suite("JSONTestSuite conformance",
       .enabled(if: JSONTestSuite.folder != nil, "set SLUICE_JSON_SUITE to the JSONTestSuite test_parsing folder"))
struct JSONConformanceTests {
    @Test("accepts every y_ file", arguments: JSONTestSuite.names(prefix: "y_"))
    func acceptsYFile(_ name: String) {
        let bytes = JSONTestSuite.read(name)
        #expect(!bytes.isEmpty)
        #expect(throws: Never.self) { try validateJSON(bytes).get() }
    }

    @Test("rejects every n_ file", arguments: JSONTestSuite.names(prefix: "n_"))
    func rejectsNFile(_ name: String) {
        #expect(jsonError(validateJSON(JSONTestSuite.read(name))) != nil)
    }

    @Test("decides every i_ file without crashing", arguments: JSONTestSuite.names(prefix: "i_"))
    func decidesIFile(_ name: String) {
        let bytes = JSONTestSuite.read(name)
        let result = validateJSON(bytes)
        if case .failure(let error) = result {
            #expect(error.offset >= 0 && error.offset <= bytes.count)
        }
    }

    @Test("the corpus is complete")
    func corpusIsComplete() {
        #expect(JSONTestSuite.names(prefix: "y_").count == 95)
        #expect(JSONTestSuite.names(prefix: "n_").count == 188)
        #expect(JSONTestSuite.names(prefix: "i_").count == 35)
    }

    @Test("every y_ object is accepted as an item's data, as an object and as a string",
          arguments: JSONTestSuite.names(prefix: "y_object"))
    func yObjectAsItemData(_ name: String) throws {
        let file = JSONTestSuite.read(name)
        let object = Array(file[try validateJSON(file).get()])
        let asObject = parseBatch(Array(#"[{"id":"a","data":"#.utf8) + file + Array("}]".utf8))
        #expect(asObject.summary == BatchSummary(acceptedCount: 1, rejectedCount: 0))
        let asString = parseBatch(Array(#"[{"id":"a","data":""#.utf8) + jsonStringContents(file) + Array(#""}]"#.utf8))
        #expect(asString.summary == BatchSummary(acceptedCount: 1, rejectedCount: 0))
        if case .accepted(_, _, let data, _) = asString.items.first {
            #expect(Array(data.utf8) == object)
        }
    }

    @Test("every n_ file as an item's data refuses the whole batch", arguments: JSONTestSuite.names(prefix: "n_"))
    func nFileAsItemData(_ name: String) {
        let outcome = parseBatch(Array(#"[{"id":"a","data":"#.utf8) + JSONTestSuite.read(name) + Array("}]".utf8))
        #expect(outcome.error != nil)
        #expect(outcome.items.isEmpty)
    }

    @Test("every n_ file sent as a data string is an item error, not a crash", arguments: JSONTestSuite.names(prefix: "n_"))
    func nFileAsDataString(_ name: String) {
        let file = JSONTestSuite.read(name)
        let body = Array(#"[{"id":"a","data":""#.utf8) + jsonStringContents(file) + Array(#""}]"#.utf8)
        let outcome = parseBatch(body)
        if outcome.error == nil {
            #expect(outcome.items.first?.rejection?.reason.label == "bad_data_string")
        }
    }
}
