import Testing
@testable import SluiceCore

@Suite("JSONScanner nesting limit")
struct JSONScannerDepthTests {
    private static func arrays(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    private static func objects(_ depth: Int) -> String {
        String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
    }

    @Test("exactly maxDepth levels are accepted, one more is rejected at the extra bracket",
          arguments: [1, 2, 64, 300])
    func limitIsExact(_ limit: Int) {
        #expect(throws: Never.self) { try validateJSON(Self.arrays(limit), maxDepth: limit).get() }
        #expect(throws: Never.self) { try validateJSON(Self.objects(limit), maxDepth: limit).get() }
        #expect(jsonError(validateJSON(Self.arrays(limit + 1), maxDepth: limit))
            == JSONError(offset: limit, reason: .nestingTooDeep(limit: limit)))
        #expect(jsonError(validateJSON(Self.objects(limit + 1), maxDepth: limit))
            == JSONError(offset: 5 * limit, reason: .nestingTooDeep(limit: limit)))
    }

    @Test("the default limit is 64")
    func defaultLimit() {
        #expect(JSONScanner().maxDepth == 64)
        #expect(throws: Never.self) { try validateJSON(Self.arrays(64)).get() }
        #expect(jsonError(validateJSON(Self.arrays(65)))?.reason == .nestingTooDeep(limit: 64))
    }

    @Test("depth falls back after a container closes")
    func siblingsDoNotAddUp() {
        let text = "[" + Array(repeating: Self.arrays(3), count: 100).joined(separator: ",") + "]"
        #expect(throws: Never.self) { try validateJSON(text, maxDepth: 4).get() }
    }

    @Test("100 000 opening brackets fail at the limit")
    func hugeOpeningRunFailsAtLimit() {
        let text = String(repeating: "[", count: 100_000)
        #expect(jsonError(validateJSON(text)) == JSONError(offset: 64, reason: .nestingTooDeep(limit: 64)))
    }

    @Test("a million levels validate without recursion when the limit allows them")
    func millionLevelsWithoutRecursion() {
        #expect(throws: Never.self) { try validateJSON(Self.arrays(1_000_000), maxDepth: 1_000_000).get() }
        #expect(jsonError(validateJSON(String(repeating: "[", count: 1_000_000), maxDepth: 1_000_000))
            == JSONError(offset: 1_000_000, reason: .unexpectedEnd))
    }
}
