import Dispatch
import SluiceSupport
import Testing
@testable import SluiceMetrics

@Suite struct HTTPMetricsTests {
    let routes = ["/batch", "/metrics", "unmatched"]

    @Test func recordRequest_MovesCounterAndHistogram() {
        let http = HTTPMetrics(routes: routes)
        let batch = http.route("/batch")
        http.recordRequest(route: batch, status: 200, durationNanoseconds: 40_000)    // ≤ 50 µs
        http.recordRequest(route: batch, status: 200, durationNanoseconds: 700_000)   // ≤ 1 ms
        http.recordRequest(route: batch, status: 503, durationNanoseconds: 10_000_000_000) // +Inf
        let snapshot = http.snapshot()
        #expect(snapshot.requests.filter { $0.route == "/batch" } == [
            .init(route: "/batch", status: 200, count: 2),
            .init(route: "/batch", status: 503, count: 1),
        ])
        let histogram = snapshot.durations[0].histogram
        #expect(snapshot.durations[0].route == "/batch")
        #expect(histogram.count == 3)
        #expect(histogram.cumulativeCounts.first == 1)
        #expect(histogram.cumulativeCounts[4] == 2, "le=0.001")
        #expect(histogram.cumulativeCounts[15] == 2, "le=5")
        #expect(histogram.sum == 10.00074)
        #expect(http.requestsTotal == 3)
    }

    @Test func untouchedRoutes_ExportPreregisteredStatusesAtZero() {
        let http = HTTPMetrics(routes: routes, preregisteredStatuses: [200, 503])
        let snapshot = http.snapshot()
        #expect(snapshot.requests.count == 6)
        #expect(snapshot.requests.allSatisfy { $0.count == 0 })
        #expect(snapshot.durations.map(\.route) == routes)
        #expect(snapshot.durations.allSatisfy { $0.histogram.count == 0 })
    }

    @Test func itemsBatchesAndShedding_Move() {
        let http = HTTPMetrics(routes: routes)
        http.recordBatch(acceptedItems: 10)
        http.recordBatch(acceptedItems: 0)
        http.recordRejectedItems(.idLength, count: 3)
        http.recordRejectedItems(.notObject)
        http.recordRejectedItems(.badMetadata, count: 0)
        http.recordLoadShed(.memoryLimit)
        let snapshot = http.snapshot()
        #expect(snapshot.batches == 2)
        #expect(snapshot.itemsAccepted == 10)
        #expect(snapshot.itemsRejected == [1, 0, 0, 0, 0, 3, 0, 0, 0, 0])
        #expect(snapshot.loadShed == [0, 1, 0])
    }

    @Test func reasonLabels_MatchTheContract() {
        #expect(ItemRejectionReason.allCases.map(\.label) == [
            "not_object", "invalid_json", "duplicate_field", "missing_id", "bad_id", "id_length",
            "missing_data", "bad_data", "bad_data_string", "bad_metadata",
        ])
        #expect(LoadShedReason.allCases.map(\.label) == ["buffer_full", "memory_limit", "draining"])
    }

    @Test func concurrentRecording_LosesNothing() {
        let http = HTTPMetrics(routes: routes)
        let batch = http.route("/batch")
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for index in 0..<25_000 {
                http.recordRequest(route: batch, status: 200, durationNanoseconds: UInt64(index))
                http.recordBatch(acceptedItems: 2)
            }
        }
        let snapshot = http.snapshot()
        #expect(snapshot.requests.first { $0.route == "/batch" && $0.status == 200 }?.count == 100_000)
        #expect(snapshot.durations[0].histogram.count == 100_000)
        #expect(snapshot.itemsAccepted == 200_000)
    }

    @Test(arguments: [(0, 0), (50_000, 0), (50_001, 1), (5_000_000_000, 15), (5_000_000_001, 16), (UInt64.max, 16)])
    func bucketIndex_IncludesTheUpperBound(nanoseconds: UInt64, bucket: Int) {
        #expect(DurationBuckets.requestDurations.bucketIndex(nanoseconds: nanoseconds) == bucket)
    }
}
