import Foundation
import Synchronization
import SluiceTestSupport
import Testing

/// `--ack durable`: a 200 means the items are in a segment file and fdatasynced, so neither
/// kill -9 nor a sink that fails can lose an acknowledged item; a request that cannot be made
/// durable in time hears 503.
@Suite(.serialized) struct DurableAckTests {
    private static func batch(_ ids: [String]) -> String {
        let body = "[" + ids.map { #"{"id":"\#($0)","data":{"n":1}}"# }.joined(separator: ",") + "]"
        return "POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test func everyDurable200_HasItsItemsInTheSegmentAlready() throws {
        let data = try SegmentFiles.temporaryDirectory()
        // A flush interval of an hour: only the durable path's own nudges can write.
        let sluice = try SluiceProcess(arguments: ["--data-dir", data.path, "--ack", "durable", "--flush-interval", "1h"])
        let client = try sluice.client()
        for round in 0..<20 {
            let ids = (0..<5).map { "r\(round)-\($0)" }
            try client.send(Self.batch(ids))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == #"{"accepted":5,"rejected":0,"errors":[]}"#)
            let written = Set(try SegmentFiles.ids(in: data))
            #expect(ids.allSatisfy(written.contains), "round \(round): answered before the items were written")
        }
        let metrics = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").bodyText
        #expect(metrics.contains("sluice_ack_wait_seconds_count 20"))
        #expect(metrics.contains("sluice_ack_pending_requests 0"))
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 15) == 0)
    }

    @Test func killNineUnderLoad_LosesNoAcknowledgedItem() throws {
        let data = try SegmentFiles.temporaryDirectory()
        let sluice = try SluiceProcess(arguments: ["--data-dir", data.path, "--ack", "durable"])
        let acknowledged = Mutex<[String]>([])
        let killed = Atomic<Bool>(false)
        let port = sluice.port
        let clients = (0..<6).map { client in
            TestThread {
                guard let connection = try? RawClient(port: port, receiveTimeoutSeconds: 10) else { return }
                for batch in 0..<100_000 where !killed.load(ordering: .acquiring) {
                    let ids = (0..<20).map { "c\(client)-b\(batch)-i\($0)" }
                    do {
                        try connection.send(Self.batch(ids))
                        let response = try connection.readResponse()
                        guard response.status == 200 else { continue }
                        acknowledged.withLock { $0.append(contentsOf: ids) }
                    } catch {
                        return  // killed: the connection is gone
                    }
                }
            }
        }
        clients.forEach { $0.start() }
        // Kill once a fair number of acknowledgements is in (bounded wait, not a sleep).
        let due = ContinuousClock.now + .seconds(60)
        while acknowledged.withLock({ $0.count }) < 10_000, ContinuousClock.now < due { usleep(2_000) }
        sluice.signal(SIGKILL)
        killed.store(true, ordering: .releasing)
        clients.forEach { $0.join() }
        #expect(sluice.waitForExit(seconds: 15) == SIGKILL)
        let answered = acknowledged.withLock { $0 }
        #expect(answered.count >= 10_000, "the load ran before the kill")

        // The next start repairs what the kill left; a clean stop finishes the segment.
        let restarted = try SluiceProcess(arguments: ["--data-dir", data.path])
        restarted.signal(SIGTERM)
        #expect(restarted.waitForExit(seconds: 15) == 0, "\(restarted.process.terminationReason == .uncaughtSignal ? "signal" : "exit"): \(restarted.log)")
        let written = try SegmentFiles.ids(in: data)
        let counts = Dictionary(written.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.filter { $0 > 1 }.count == 0, "no item is written twice")
        let missing = answered.filter { counts[$0] == nil }
        #expect(missing.count == 0, "\(missing.count) of \(answered.count) acknowledged items missing, e.g. \(missing.prefix(3))")
    }

    @Test func sinkFailing_AnswersDurable503AfterTheAckTimeout_ThenStoresAndAnswers200OnceItRecovers() throws {
        let data = try SegmentFiles.temporaryDirectory()
        let sluice = try SluiceProcess.onFailingDisk(
            arguments: ["--data-dir", data.path, "--ack", "durable", "--ack-timeout", "300ms"])
        let client = try sluice.client(timeoutSeconds: 20)
        try client.send(Self.batch(["late-1", "late-2"]))
        let refused = try client.readResponse()
        #expect(refused.status == 503)
        #expect(refused.header("retry-after").flatMap(Int.init).map { $0 >= 1 } == true)
        #expect(refused.bodyText.contains("not stored within the acknowledgement timeout"))
        #expect(!refused.closes, "the connection stays usable")
        let health = try sluice.request("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(health.status == 200, "the server keeps serving")

        #expect(try sluice.liftFileSizeLimit() == 0, "the disk recovers")
        // The flusher retries with backoff (at most 1 s apart): a new request is stored with
        // the held one and answered 200 (bounded: the ack timeout answers 503 meanwhile).
        var stored = false
        for attempt in 0..<40 where !stored {
            try client.send(Self.batch(["after-\(attempt)"]))
            stored = try client.readResponse().status == 200
        }
        #expect(stored, "durable answers resume once the sink works")
        let written = try SegmentFiles.ids(in: data)
        #expect(written.contains("late-1") && written.contains("late-2"), "a timed-out request's items may still be stored (at-least-once)")
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 15) == 0)
    }

    @Test func shutdown_AnswersAPendingDurableRequestBeforeExit() throws {
        let data = try SegmentFiles.temporaryDirectory()
        let sluice = try SluiceProcess.onFailingDisk(
            arguments: ["--data-dir", data.path, "--ack", "durable", "--ack-timeout", "1h", "--shutdown-timeout", "2s"])
        let client = try sluice.client(timeoutSeconds: 20)
        try client.send(Self.batch(["pending"]))
        // The request is waiting once the flusher has failed on it (bounded wait for the log).
        let due = ContinuousClock.now + .seconds(20)
        while !sluice.log.contains("sink write failed"), ContinuousClock.now < due { usleep(10_000) }
        sluice.signal(SIGTERM)
        let response = try client.readResponse()
        #expect(response.status == 503, "answered before the server's deadline closes the connection")
        #expect(response.closes)
        #expect(sluice.waitForExit(seconds: 20) == 1, "exit 1: acknowledged-to-buffer items could not be written")
    }
}
