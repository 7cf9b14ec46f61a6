import Foundation
import Testing
@testable import SluiceMetrics

@Suite struct MemoryDebugDocumentTests {
    @Test func document_IsValidJSON_WithLatestAndHistory() throws {
        var older = Fixtures.sample
        older.sequence = 6
        let bytes = MemoryDebugDocument.render(intervalSeconds: 1, statistics: Fixtures.monitor, memory: Fixtures.memory, latest: Fixtures.sample, history: [older, Fixtures.sample])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(document["samples_total"] as? Int == 60)
        #expect(document["samples_dropped_total"] as? Int == 1)
        #expect(document["memory_limit_bytes"] as? Int == 536_870_912)
        let latest = try #require(document["latest"] as? [String: Any])
        #expect(latest["sequence"] as? Int == 7)
        let process = try #require(latest["process"] as? [String: Any])
        #expect(process["resident_memory_bytes"] as? Int == 52_428_800)
        let service = try #require(latest["service"] as? [String: Any])
        let pools = try #require(service["pools"] as? [[String: Any]])
        #expect(pools.map { $0["name"] as? String } == ["results", "odd \"pool\"\\\nname"])
        let history = try #require(document["history"] as? [[String: Any]])
        #expect(history.map { $0["sequence"] as? Int } == [6, 7])
    }

    @Test func noSampleYet_LatestIsNull() {
        let bytes = MemoryDebugDocument.render(
            intervalSeconds: 0.5, statistics: .init(samplesTotal: 0, samplesDroppedTotal: 0, sampleDuration: .empty(upperBounds: [])),
            memory: .init(limitBytes: 0, isShedding: false, trimsTotal: 0), latest: nil, history: [])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"interval_seconds":0.5,"samples_total":0,"samples_dropped_total":0,"memory_limit_bytes":0,"shedding":false,"malloc_trims_total":0,"latest":null,"history":[]}"#)
    }

    @Test func runningMonitor_RendersItsSamples() throws {
        let monitor = MemoryMonitor()
        monitor.recordSample()
        monitor.recordSample()
        let bytes = MemoryDebugDocument.render(monitor: monitor, memory: .init(limitBytes: 0, isShedding: false, trimsTotal: 0))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((document["history"] as? [Any])?.count == 2)
        #expect(document["interval_seconds"] as? Double == 1)
    }
}
