@testable import SluiceLoad
import Testing

@Suite("Engine pieces")
struct EngineUnitTests {
    private func accepted(_ text: String) -> Int? {
        Array(text.utf8).withUnsafeBytes { AcceptedCount.parse($0) }
    }

    @Test(arguments: [
        (#"{"accepted":12,"rejected":0,"errors":[]}"#, 12 as Int?),
        (#"{ "accepted" : 7 , "rejected": 1}"#, 7),
        (#"{"rejected":2,"accepted":0}"#, 0),
        (#"{"accepted":"x"}"#, nil),
        (#"{"accepted"}"#, nil),
        (#"{"error":"no"}"#, nil),
        ("", nil),
    ])
    func acceptedCount_IsReadFromTheResponse(text: String, expected: Int?) {
        #expect(accepted(text) == expected)
    }

    @Test func pacing_InterleavesWorkersOnOneGlobalSchedule() {
        // 100 req/s from t=0: global request n is due at n × 10 ms; worker 1 of 2 owns odd n.
        var schedule = PacingSchedule(startNanoseconds: 0, requestsPerSecond: 100, worker: 1, workerCount: 2,
                                      endNanoseconds: 1_000_000_000, globalLimit: .max)
        #expect(schedule.nextDueNanoseconds == 10_000_000)
        #expect(schedule.takeDue(now: 9_999_999) == nil, "not due yet")
        #expect(schedule.takeDue(now: 10_000_000) == 10_000_000)
        #expect(schedule.takeDue(now: 50_000_000) == 30_000_000, "late requests keep their due time")
        #expect(schedule.takeDue(now: 50_000_000) == 50_000_000)
        #expect(schedule.takeDue(now: 50_000_000) == nil)
        #expect(schedule.overdueCount(now: 2_000_000_000) == 47, "odd n from 7 to 99 are due before the end")
    }

    @Test func pacing_StopsAtTheRequestLimitAndTheEnd() {
        var limited = PacingSchedule(startNanoseconds: 0, requestsPerSecond: 1_000, worker: 0, workerCount: 1,
                                     endNanoseconds: .max, globalLimit: 3)
        var taken = 0
        while limited.takeDue(now: .max - 1) != nil, taken < 10 { taken += 1 }
        #expect(taken == 3)
        let ended = PacingSchedule(startNanoseconds: 0, requestsPerSecond: 200, worker: 0, workerCount: 1,
                                   endNanoseconds: 2_000_000_000, globalLimit: .max)
        #expect(ended.overdueCount(now: .max - 1) == 400, "200 req/s for 2 s")
    }

    @Test func plan_SplitsConnectionsEvenlyAcrossWorkers() throws {
        let body = RequestBody(bytes: [], contentType: "application/json", itemsPerRequest: 0)
        let plan = try LoadPlan(target: try TargetURL("http://127.0.0.1:1/batch"), body: body, connections: 7, threads: 3)
        #expect((0..<3).map { plan.connections(ofWorker: $0) } == [3, 2, 2])
    }

    @Test func tally_MergesCountsAndHistograms() {
        var first = WorkerTally()
        first.recordResponse(status: 200, latencyNanoseconds: 1_000_000)
        first.recordError(.timeout)
        var second = WorkerTally()
        second.recordResponse(status: 503, latencyNanoseconds: 3_000_000)
        second.recordResponse(status: 999, latencyNanoseconds: 2_000_000)
        first.merge(second)
        #expect(first.completed == 3)
        #expect(first.failed == 1)
        #expect(first.statusCounts[200] == 1 && first.statusCounts[503] == 1 && first.statusCounts[0] == 1)
        #expect(first.latency.totalCount == 3)
        #expect(first.latency.max >= 2_990 && first.latency.max <= 3_010)
    }
}
