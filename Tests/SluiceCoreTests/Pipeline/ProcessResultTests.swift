import Testing

@testable import SluiceCore

@Suite struct ProcessResultTests {
    @Test func fill_StoresEachFieldAsGiven() {
        let result = makeResult(#"a\"1"#, data: #"{"k":[1,2]}"#, metadata: #"["m"]"#, at: 42)
        #expect(String(decoding: result.id, as: UTF8.self) == #"a\"1"#)
        #expect(String(decoding: result.data, as: UTF8.self) == #"{"k":[1,2]}"#)
        #expect(result.metadata.map { String(decoding: $0, as: UTF8.self) } == #"["m"]"#)
        #expect(result.receivedAtNanoseconds == 42)
        #expect(result.byteCount == 4 + 11 + 5)
    }

    @Test func fill_WithoutMetadata_HasNone() {
        let result = makeResult("x", data: "{}")
        #expect(result.metadata == nil)
        #expect(!result.hasMetadata)
        #expect(String(decoding: result.data, as: UTF8.self) == "{}")
    }

    @Test func fill_Again_ReplacesThePreviousItem() {
        let result = makeResult("first", data: #"{"a":1}"#, metadata: "[]")
        result.fill(id: "second".utf8, data: "{}".utf8, receivedAtNanoseconds: 7)
        #expect(String(decoding: result.id, as: UTF8.self) == "second")
        #expect(result.metadata == nil)
        #expect(result.byteCount == 8)
    }

    @Test func isValid_OnlyInTheStateResetLeaves() {
        let result = ProcessResult()
        #expect(result.isValid)
        result.fill(id: "a".utf8, data: "{}".utf8, receivedAtNanoseconds: 1)
        #expect(!result.isValid)
        result.reset()
        #expect(result.isValid)
        #expect(result.generation == 1)
    }

    @Test func reset_KeepsStorageUpToTheCap_ReusingItWithoutReallocation() {
        let result = ProcessResult()
        let payload = "{\"p\":\"" + String(repeating: "x", count: 2000) + "\"}"
        result.fill(id: "a".utf8, data: payload.utf8, receivedAtNanoseconds: 1)
        let grown = result.capacity
        result.reset()
        #expect(result.capacity == grown)
        result.fill(id: "b".utf8, data: payload.utf8, receivedAtNanoseconds: 2)
        #expect(result.capacity == grown)
    }

    @Test func reset_DropsStorageThatGrewPastTheCap() {
        let result = ProcessResult()
        let huge = [UInt8](repeating: UInt8(ascii: "1"), count: ProcessResult.maxRetainedCapacity + 1)
        result.fill(id: "a".utf8, data: huge, receivedAtNanoseconds: 1)
        #expect(result.capacity > ProcessResult.maxRetainedCapacity)
        result.reset()
        #expect(result.capacity <= ProcessResult.maxRetainedCapacity)
        #expect(result.isValid)
    }
}
