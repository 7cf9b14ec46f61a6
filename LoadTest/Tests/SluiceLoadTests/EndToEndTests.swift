@testable import LoadCLI
import SluiceLoad
import Testing

/// Real runs of the engine against ``TestHTTPServer`` on 127.0.0.1. Serialized: they measure
/// latency, and the machine has two cores. The machine may be busy, so the checks on time are
/// the ones the schedule or the server's delays guarantee, never a speed.
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
        // The schedule, whatever the machine's speed: requests 0...399 due at n × 5 ms, every one
        // sent (late ones keep their due time) and none before it was due.
        #expect(result.completedRequests == 400, "200 req/s × 2 s")
        #expect(result.failedRequests == 0)
        #expect(result.unsentRequests == 0)
        #expect(server.batchRequests.load(ordering: .relaxed) == 400)
        #expect(result.elapsedSeconds >= 1.995, "the last request is due at 1.995 s")
        #expect(result.requestsPerSecond <= 400 / 1.995, "never faster than the rate: \(result.requestsPerSecond) req/s")
    }

    @Test(arguments: LoadEngine.allCases)
    func openModel_LatencyIncludesQueueingBehindAStall(engine: LoadEngine) throws {
        // Service time 20 ms on one connection: at most 50 req/s, while 100 req/s are due for 1 s.
        // Request k is due at 10k ms and done at about 20(k+1) ms: latency grows to about 1 s.
        let server = try TestHTTPServer(.init(serviceMilliseconds: 20))
        defer { server.stop() }
        let open = try LoadRunner(plan: try plan(server, model: .open(requestsPerSecond: 100), connections: 1,
                                                 duration: .seconds(1), engine: engine)).run()
        // Each answer takes at least 20 ms while a new request falls due every 10 ms, so request k
        // waits at least 10 ms longer than request k - 1 however slow the machine is.
        #expect(open.completedRequests == 100, "the backlog due before the end is still sent")
        let p50 = open.latencyMilliseconds(atPercentile: 50)
        let p99 = open.latencyMilliseconds(atPercentile: 99)
        #expect(p99 >= 700, "p99 \(p99) ms must show about 1 s of queueing")
        #expect(p99 >= 10 * 20, "p99 is far above the 20 ms service time")
        #expect(p50 >= 300, "p50 \(p50) ms: half the requests waited about half a second")
        #expect(p99 - p50 >= 400, "p50 \(p50) ms, p99 \(p99) ms: the wait grows along the queue")

        // The closed model against the same server sees the service time, not the queue: its
        // median is the 20 ms sleep plus the machine's overhead, a small part of the open p99.
        let closed = try LoadRunner(plan: try plan(server, connections: 1, duration: .milliseconds(500), engine: engine)).run()
        let closedP50 = closed.latencyMilliseconds(atPercentile: 50)
        #expect(closedP50 >= 19, "closed p50 \(closedP50) ms includes the service time")
        #expect(p99 > 4 * closedP50, "open p99 \(p99) ms, closed p50 \(closedP50) ms")
    }

    @Test func openModel_OneStallIsChargedToEveryRequestDueDuringIt() throws {
        // 200 req/s for 2 s; request 100 (at 0.5 s) stalls 400 ms. About 80 requests fall due
        // during the pause and wait for it: more than 1% of 400, so p99 reflects the stall.
        let server = try TestHTTPServer(.init(stallAtRequest: 100, stallMilliseconds: 400))
        defer { server.stop() }
        let result = try LoadRunner(plan: try plan(server, model: .open(requestsPerSecond: 200), connections: 1,
                                                   duration: .seconds(2))).run()
        // Request 100 and those due after it wait for the stall to end: request 100 + j at least
        // 400 - 5j ms, on any machine.
        #expect(result.completedRequests == 400)
        let p50 = result.latencyMilliseconds(atPercentile: 50)
        let p99 = result.latencyMilliseconds(atPercentile: 99)
        #expect(p99 >= 300)
        #expect(result.latencyMilliseconds(atPercentile: 90) >= 50, "10% of requests queued behind the stall")
        #expect(4 * p50 < p99, "p50 \(p50) ms, p99 \(p99) ms: the stall is charged to the tail, not to every request")
    }

    @Test func stopRequest_EndsTheRunEarly() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        // Stop once the progress shows answers, as a person pressing Ctrl-C while watching it.
        var answeredSoFar = 0
        let result = try LoadRunner(plan: try plan(server, connections: 2, duration: .seconds(60))).run(
            progressInterval: .milliseconds(100),
            onProgress: { answeredSoFar = $0.completed },
            shouldStop: { answeredSoFar > 0 })
        #expect(result.wasInterrupted)
        #expect(result.elapsedSeconds < 30, "stopped long before its 60 s")
        #expect(result.completedRequests >= answeredSoFar)
        #expect(result.failedRequests == 0, "the requests in flight were answered, not cut")
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
        let server = try TestHTTPServer(.init(serviceMilliseconds: 3_000))
        defer { server.stop() }
        let started = ContinuousClock.now
        let result = try LoadRunner(plan: try plan(server, connections: 2, requests: 2, engine: engine,
                                                   timeout: .milliseconds(300))).run()
        #expect(result.failedRequests == 2)
        #expect(result.errorCounts[.timeout] == 2)
        #expect(result.completedRequests == 0)
        #expect(ContinuousClock.now - started < .seconds(3), "the run ended before the server would have answered")
    }

    @Test func unreachableTarget_IsReportedBeforeARun() throws {
        let port = try ClosedPort()
        defer { port.close() }
        #expect {
            try Reachability.check(try TargetURL("http://127.0.0.1:\(port.number)/batch"))
        } throws: { error in
            guard case LoadError.unreachable(let target, _) = error else { return false }
            return target.hasPrefix("127.0.0.1:")
        }
    }
}
