@testable import LoadCLI
import SluiceLoad
import Testing

/// Real runs of the engine against ``TestHTTPServer`` on 127.0.0.1. Serialized: they measure
/// time, and the machine has two cores.
@Suite("End to end", .serialized)
struct EndToEndTests {
    private func plan(
        _ server: TestHTTPServer, model: LoadModel = .closed, connections: Int, threads: Int = 1,
        duration: Duration? = nil, requests: Int? = nil, items: Int = 10, shape: DataShape = .object, gzip: Bool = false,
        engine: LoadEngine = .wire, timeout: Duration = .seconds(10)
    ) throws -> LoadPlan {
        try LoadPlan(
            target: try TargetURL(server.batchURL),
            body: try BatchBuilder(items: items, shape: shape).requestBody(gzip: gzip),
            model: model, connections: connections, threads: threads, duration: duration,
            requestLimit: requests, requestTimeout: timeout, engine: engine)
    }

    @Test(arguments: LoadEngine.allCases)
    func closedModel_CountsAgreeWithTheServer(engine: LoadEngine) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let probe = ServerMetricsProbe(url: try TargetURL(server.batchURL).metricsURL)
        let before = probe.scrape()
        let result = try LoadRunner(plan: try plan(server, connections: 4, threads: 2, requests: 300, items: 7, engine: engine)).run()
        let report = ServerMetricsProbe.report(before: before, after: probe.scrape())

        #expect(result.completedRequests == 300)
        #expect(result.count(status: 200) == 300)
        #expect(result.failedRequests == 0)
        #expect(result.acknowledgedItems == 2_100)
        #expect(result.acknowledgedFromBody == 300, "every count came from the response's \"accepted\"")
        #expect(server.batchRequests.load(ordering: .relaxed) == 300)
        #expect(server.itemsAccepted.load(ordering: .relaxed) == 2_100)
        #expect(result.connectionsOpened == 4, "keep-alive: one connection per slot, reused")
        #expect(result.latencyMicroseconds.totalCount == 300)
        #expect(report.unavailableReason == nil)
        #expect(report.itemsAccepted == 2_100)
        #expect(report.agreement(acknowledged: result.acknowledgedItems) == .agree)
        #expect(report.heapAllocationsPerItem == 3)
        #expect(report.residentBytesAfter == Double(50_000_000 + 2_100 * 8))
        #expect(report.loadShed == 0)
    }

    @Test(arguments: [(DataShape.string, false), (.ndjson, false), (.object, true), (.ndjson, true)], LoadEngine.allCases)
    func everyShapeAndGzip_AreCountedByTheServer(shape: (DataShape, Bool), engine: LoadEngine) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let result = try LoadRunner(plan: try plan(server, connections: 2, requests: 20, items: 25, shape: shape.0,
                                                   gzip: shape.1, engine: engine)).run()
        #expect(result.count(status: 200) == 20)
        #expect(server.itemsAccepted.load(ordering: .relaxed) == 500)
        #expect(result.acknowledgedItems == 500)
    }

    @Test(arguments: [TestHTTPServer.Closing.announced, .silently, .afterNextHead], LoadEngine.allCases)
    func closedConnections_AreReopened(closing: TestHTTPServer.Closing, engine: LoadEngine) throws {
        let server = try TestHTTPServer(.init(closeAfterRequests: 5, closing: closing))
        defer { server.stop() }
        let result = try LoadRunner(plan: try plan(server, connections: 2, requests: 100, items: 3, engine: engine)).run()
        // Announced: the next request goes on a new connection. Otherwise a request can find its
        // reused connection dead before any answer (always so after the next head was read): it
        // is sent once more on a new connection, so nothing fails and nothing is sent twice.
        #expect(result.count(status: 200) == 100, "errors: \(result.errorCounts)")
        #expect(result.failedRequests == 0)
        #expect(server.batchRequests.load(ordering: .relaxed) == 100, "every request was served exactly once")
        #expect(result.connectionsOpened >= 20, "a new connection every 5 requests")
        #expect(result.acknowledgedItems == 300)
        #expect(server.itemsAccepted.load(ordering: .relaxed) == 300)
    }

    @Test(arguments: LoadEngine.allCases)
    func closeWhileTheRequestIsWritten_IsSentAgain(engine: LoadEngine) throws {
        // Each connection answers one request, then reads the head of the next and closes with
        // its body unread: a reset. A 6.8 MB body cannot fit in the client's send buffer (at most
        // 4 MB) plus the server's fixed 64 KiB, so the reset arrives while the request is still
        // being written.
        let server = try TestHTTPServer(.init(closeAfterRequests: 1, closing: .afterNextHead, receiveBufferBytes: 65_536))
        defer { server.stop() }
        let result = try LoadRunner(plan: try plan(server, connections: 1, requests: 3, items: 100_000, engine: engine)).run()
        #expect(result.count(status: 200) == 3, "errors: \(result.errorCounts)")
        #expect(server.batchRequests.load(ordering: .relaxed) == 3)
        #expect(server.itemsAccepted.load(ordering: .relaxed) == 300_000)
        #expect(result.connectionsOpened == 3, "the first request opens one, each of the two resends another")
    }

    @Test(arguments: LoadEngine.allCases)
    func openModel_HoldsItsRateWhenTheServerIsFast(engine: LoadEngine) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let result = try LoadRunner(plan: try plan(server, model: .open(requestsPerSecond: 200), connections: 4,
                                                   duration: .seconds(2), engine: engine)).run()
        #expect(result.completedRequests >= 380 && result.completedRequests <= 420, "200 req/s × 2 s ≈ 400 ± 5%")
        #expect(abs(result.requestsPerSecond - 200) <= 10, "measured \(result.requestsPerSecond) req/s")
        #expect(result.unsentRequests == 0)
        #expect(server.batchRequests.load(ordering: .relaxed) == result.completedRequests)
    }

    @Test(arguments: LoadEngine.allCases)
    func openModel_LatencyIncludesQueueingBehindAStall(engine: LoadEngine) throws {
        // Service time 20 ms on one connection: at most 50 req/s, while 100 req/s are due for 1 s.
        // Request k is due at 10k ms and done at about 20(k+1) ms: latency grows to about 1 s.
        let server = try TestHTTPServer(.init(serviceMilliseconds: 20))
        defer { server.stop() }
        let open = try LoadRunner(plan: try plan(server, model: .open(requestsPerSecond: 100), connections: 1,
                                                 duration: .seconds(1), engine: engine)).run()
        #expect(open.completedRequests == 100, "the backlog due before the end is still sent")
        let p50 = open.latencyMilliseconds(atPercentile: 50)
        let p99 = open.latencyMilliseconds(atPercentile: 99)
        #expect(p99 >= 700, "p99 \(p99) ms must show about 1 s of queueing")
        #expect(p99 >= 10 * 20, "p99 is far above the 20 ms service time")
        #expect(p50 >= 300 && p50 <= 1_000, "p50 \(p50) ms: half the requests waited about half a second")

        // The closed model against the same server only ever sees the service time.
        let closed = try LoadRunner(plan: try plan(server, connections: 1, duration: .milliseconds(500), engine: engine)).run()
        let closedP99 = closed.latencyMilliseconds(atPercentile: 99)
        #expect(closedP99 >= 19 && closedP99 < 150, "closed p99 \(closedP99) ms is about the service time")
        #expect(p99 > 4 * closedP99)
    }

    @Test func openModel_OneStallIsChargedToEveryRequestDueDuringIt() throws {
        // 200 req/s for 2 s; request 100 (at 0.5 s) stalls 400 ms. About 80 requests fall due
        // during the pause and wait for it: more than 1% of 400, so p99 reflects the stall.
        let server = try TestHTTPServer(.init(stallAtRequest: 100, stallMilliseconds: 400))
        defer { server.stop() }
        let result = try LoadRunner(plan: try plan(server, model: .open(requestsPerSecond: 200), connections: 1,
                                                   duration: .seconds(2))).run()
        #expect(result.completedRequests == 400)
        #expect(result.latencyMilliseconds(atPercentile: 99) >= 300)
        #expect(result.latencyMilliseconds(atPercentile: 90) >= 50, "10% of requests queued behind the stall")
        #expect(result.latencyMilliseconds(atPercentile: 50) < 50, "the rest were fast")
    }

    @Test func stopRequest_EndsTheRunEarly() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        var polls = 0
        let result = try LoadRunner(plan: try plan(server, connections: 2, duration: .seconds(30))).run(
            progressInterval: .milliseconds(100),
            shouldStop: {
                polls += 1
                return polls > 10
            })
        #expect(result.wasInterrupted)
        #expect(result.elapsedSeconds < 5)
        #expect(result.completedRequests > 0)
        #expect(result.completedRequests == server.batchRequests.load(ordering: .relaxed))
    }

    @Test func chunkedReplies_AreDecodedAndCounted() throws {
        let server = try TestHTTPServer(.init(chunkedReplies: true))
        defer { server.stop() }
        let result = try LoadRunner(plan: try plan(server, connections: 3, requests: 60, items: 4)).run()
        #expect(result.count(status: 200) == 60)
        #expect(result.acknowledgedFromBody == 60, "\"accepted\" read from the decoded chunks")
        #expect(result.acknowledgedItems == 240)
        #expect(result.connectionsOpened == 3, "a chunked reply keeps the connection")
    }

    @Test(arguments: LoadEngine.allCases)
    func slowResponses_TimeOutAndTheRunStillEnds(engine: LoadEngine) throws {
        let server = try TestHTTPServer(.init(serviceMilliseconds: 1_500))
        defer { server.stop() }
        let started = ContinuousClock.now
        let result = try LoadRunner(plan: try plan(server, connections: 2, requests: 2, engine: engine,
                                                   timeout: .milliseconds(300))).run()
        #expect(result.failedRequests == 2)
        #expect(result.errorCounts[.timeout] == 2)
        #expect(result.completedRequests == 0)
        #expect(ContinuousClock.now - started < .seconds(1.4), "the timeout, not the server, ended the requests")
    }

    @Test func unreachableTarget_IsReportedBeforeARun() throws {
        let server = try TestHTTPServer()
        let url = server.batchURL
        server.stop() // nothing listens on the port now
        #expect {
            try Reachability.check(try TargetURL(url))
        } throws: { error in
            guard case LoadError.unreachable(let target, _) = error else { return false }
            return target.hasPrefix("127.0.0.1:")
        }
    }
}
