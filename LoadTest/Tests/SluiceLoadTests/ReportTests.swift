import Foundation
import Histogram
@testable import SluiceLoad
import Testing

@Suite("Reports")
struct ReportTests {
    private func sampleResult(model: LoadModel = .closed) throws -> RunResult {
        let body = try BatchBuilder(items: 10, shape: .object).requestBody(gzip: false)
        let plan = try LoadPlan(target: try TargetURL("http://127.0.0.1:8080/batch"), body: body, model: model,
                                connections: 4, duration: .seconds(2))
        var tally = WorkerTally()
        for index in 0..<1_000 { tally.recordResponse(status: 200, latencyNanoseconds: Int64(100_000 + index * 1_000)) }
        tally.recordResponse(status: 503, latencyNanoseconds: 50_000)
        tally.recordError(.reset)
        return RunResult(
            plan: plan, elapsedSeconds: 2, latencyMicroseconds: tally.latency, statusCounts: [200: 1_000, 503: 1],
            errorCounts: tally.errorCounts, completedRequests: 1_001, failedRequests: 1, acknowledgedItems: 10_000,
            acknowledgedFromBody: 1_000, acknowledgedAssumed: 0, acknowledgedUnknown: 0, connectionsOpened: 4,
            unsentRequests: 0, wasInterrupted: false)
    }

    @Test func numberFormat_FixedGroupedAndBytes() {
        #expect(NumberFormat.fixed(3.14159, 2) == "3.14")
        #expect(NumberFormat.fixed(-0.5, 1) == "-0.5")
        #expect(NumberFormat.fixed(2.0, 0) == "2")
        #expect(NumberFormat.fixed(0.0049, 2) == "0.00")
        #expect(NumberFormat.grouped(1_234_567) == "1,234,567")
        #expect(NumberFormat.grouped(-1_000) == "-1,000")
        #expect(NumberFormat.grouped(999) == "999")
        #expect(NumberFormat.bytes(12_582_912) == "12.0 MiB")
        #expect(NumberFormat.bytes(512) == "512 B")
        #expect(NumberFormat.groupedFixed(10_764.42, 1) == "10,764.4")
        #expect(NumberFormat.groupedFixed(-1_234.5, 1) == "-1,234.5")
        #expect(NumberFormat.groupedFixed(0.25, 2) == "0.25")
    }

    @Test func textReport_ShowsEveryFieldAndSaysWhenServerMetricsAreMissing() throws {
        let text = TextReport(result: try sampleResult(), server: .unavailable("GET http://127.0.0.1:8080/metrics answered 404")).render()
        #expect(text.contains("1,001 in 2.00 s = 500.5 req/s"))
        #expect(text.contains("10,000 acknowledged = 5,000 items/s"))
        #expect(text.contains("p99.9"))
        #expect(text.contains("200 × 1,000  503 × 1"))
        #expect(text.contains("connect 0  timeout 0  reset 1  protocol 0  other 0"))
        #expect(text.contains("wire engine"))
        #expect(text.contains("server metrics unavailable (GET http://127.0.0.1:8080/metrics answered 404)"))
    }

    @Test func serverReport_ComputesPerItemAllocations_AndWarnsOnMismatch() throws {
        let server = ServerReport(residentBytesBefore: 50_000_000, residentBytesAfter: 52_000_000,
                                  heapAllocations: 30_000, itemsAccepted: 10_000, loadShed: 2)
        #expect(server.heapAllocationsPerItem == 3)
        #expect(server.agreement(acknowledged: 10_000) == .agree)
        #expect(server.mismatchWarning(acknowledged: 10_000) == nil)
        #expect(server.agreement(acknowledged: 9_990) == .mismatch(server: 10_000, tester: 9_990))
        let warning = try #require(server.mismatchWarning(acknowledged: 9_990))
        #expect(warning.hasPrefix("WARNING: item count mismatch"))
        let text = TextReport(result: try sampleResult(), server: server).render()
        #expect(text.contains("47.7 MiB → 49.6 MiB (+1.9 MiB)"))
        #expect(text.contains("3.00 heap allocations per accepted item"))
        #expect(text.contains("load shed    2 (sluice_load_shed_total), 503 responses seen: 1"))
    }

    @Test func jsonReport_IsValidJSONWithTheDocumentedFields() throws {
        let server = ServerReport(residentBytesBefore: 1, residentBytesAfter: 2, heapAllocations: 30_000,
                                  itemsAccepted: 10_000, loadShed: 0)
        let text = JSONReport(result: try sampleResult(model: .open(requestsPerSecond: 500)), server: server).render()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["model"] as? String == "open")
        #expect(object["rate"] as? Double == 500)
        #expect(object["requests"] as? Int == 1_001)
        #expect(object["items_acknowledged"] as? Int == 10_000)
        let latency = try #require(object["latency_ms"] as? [String: Any])
        #expect(Set(latency.keys) == ["origin", "p50", "p90", "p99", "p99_9", "max", "mean"])
        #expect(latency["origin"] as? String == "due")
        #expect((object["status"] as? [String: Int]) == ["200": 1_000, "503": 1])
        #expect((object["errors"] as? [String: Int]) == ["connect": 0, "timeout": 0, "reset": 1, "protocol": 0, "other": 0])
        #expect(object["engine"] as? String == "wire")
        let serverObject = try #require(object["server"] as? [String: Any])
        #expect(serverObject["items_agree"] as? Bool == true)
        #expect(serverObject["heap_allocations_per_item"] as? Double == 3)
        #expect(serverObject["status_503"] as? Int == 1)
    }

    @Test func jsonWriter_EscapesStrings() throws {
        var json = JSONWriter()
        json.beginObject()
        json.field("text", "quote \" backslash \\ newline \n tab \t bell \u{7}")
        json.field("missing", nil as String?)
        json.field("nan", Double.nan)
        json.endObject()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
        #expect(object["text"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7}")
        #expect(object["missing"] is NSNull)
        #expect(object["nan"] is NSNull)
    }

    @Test func latencyChart_IsAnSVGWithALogPercentileAxis() throws {
        let svg = LatencyChart(result: try sampleResult()).render()
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        for label in [">0%<", ">90%<", ">99%<", ">99.9%<"] { #expect(svg.contains(label)) }
        #expect(svg.contains("<polyline"))
        #expect(LatencyChart.percentileLabel(nines: 5) == "99.999%")
        #expect(abs(LatencyChart.nines(percentile: 99.9) - 3) < 1e-9)
        #expect(LatencyChart.niceCeiling(3.2) == 5)
        #expect(LatencyChart.niceCeiling(0.7) == 1)
        #expect(LatencyChart.niceCeiling(20) == 20)
        #expect([2.0, 0.5, 0.25, 0.04, 400].map(LatencyChart.decimals(forStep:)) == [0, 1, 2, 2, 0])
    }
}
