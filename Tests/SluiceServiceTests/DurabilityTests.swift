import Foundation
import Synchronization
import SluiceTestSupport
import Testing

/// Acknowledged items are never lost: not at SIGTERM under load, not while the sink fails.
@Suite(.serialized) struct DurabilityTests {
    /// Posts batches of unique ids on several connections until `stop` is set or the time
    /// bound passes; returns every id the server acknowledged (accepted in a 200).
    static func load(port: Int, clients: Int, itemsPerBatch: Int, seconds: Double) -> [String] {
        let acknowledged = Mutex<[String]>([])
        let threads = (0..<clients).map { client in
            TestThread {
                guard let connection = try? RawClient(port: port, receiveTimeoutSeconds: 5) else { return }
                let deadline = monotonicSeconds() + seconds
                var batch = 0
                while monotonicSeconds() < deadline, batch < 100_000 {
                    let ids = (0..<itemsPerBatch).map { "c\(client)-b\(batch)-i\($0)" }
                    let body = "[" + ids.map { #"{"id":"\#($0)","data":{"n":1}}"# }.joined(separator: ",") + "]"
                    batch += 1
                    do {
                        try connection.send("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                        let response = try connection.readResponse()
                        if response.status == 200 {
                            #expect(response.bodyText.hasPrefix("{\"accepted\":\(itemsPerBatch),"))
                            acknowledged.withLock { $0.append(contentsOf: ids) }
                        }
                        if response.closes { return }
                    } catch {
                        return  // the server closed the connection while shutting down
                    }
                }
            }
        }
        threads.forEach { $0.start() }
        threads.forEach { $0.join() }
        return acknowledged.withLock { $0 }
    }

    /// In both acknowledgement modes: durable answers still pending at the signal are answered
    /// once their flush is stored.
    @Test(arguments: ["buffered", "durable"])
    func sigtermUnderLoad_WritesEveryAcknowledgedItemExactlyOnce(ack: String) throws {
        let data = try SegmentFiles.temporaryDirectory()
        let sluice = try SluiceProcess(arguments: ["--data-dir", data.path, "--flush-interval", "100ms", "--flush-max-items", "500", "--ack", ack])
        let killer = TestThread {
            usleep(700_000)
            sluice.signal(SIGTERM)
        }
        killer.start()
        let acknowledged = Self.load(port: sluice.port, clients: 6, itemsPerBatch: 20, seconds: 5)
        killer.join()
        #expect(sluice.waitForExit(seconds: 15) == 0)
        #expect(acknowledged.count > 100, "the load ran before the signal")
        let written = try SegmentFiles.ids(in: data)
        let counts = Dictionary(written.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.allSatisfy { $0 == 1 }, "no item is written twice")
        let missing = acknowledged.filter { counts[$0] == nil }
        #expect(missing.count == 0, "\(missing.count) acknowledged items missing, e.g. \(missing.prefix(3))")
        let open = try FileManager.default.contentsOfDirectory(atPath: data.path).filter { $0.hasSuffix(".open") }
        #expect(open.isEmpty, "the open segment is finished at shutdown")
    }

    @Test func failingSink_Answers503WhenFull_ThenRecovers_WithoutLosingOrDuplicating() throws {
        let data = try SegmentFiles.temporaryDirectory()
        let sluice = try SluiceProcess.onFailingDisk(
            arguments: ["--data-dir", data.path, "--buffer-capacity", "100", "--flush-interval", "50ms"])
        var acknowledged: [String] = []
        var sawFull = false
        for batch in 0..<40 where !sawFull {
            let ids = (0..<10).map { "b\(batch)-\($0)" }
            let body = "[" + ids.map { #"{"id":"\#($0)","data":{}}"# }.joined(separator: ",") + "]"
            let response = try sluice.request("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            if response.status == 200 { acknowledged += ids }
            if response.status == 503 {
                sawFull = true
                #expect(response.header("retry-after") != nil)
            }
        }
        #expect(sawFull, "with the sink failing the buffer fills and /batch answers 503")
        // The buffer (100) fills while the flusher holds one failed batch of at most 100.
        #expect((100...200).contains(acknowledged.count))
        // The log line is written by the flusher's event handler: wait for it (bounded).
        let logDeadline = ContinuousClock.now + .seconds(20)
        while !sluice.log.contains("sink write failed"), ContinuousClock.now < logDeadline { usleep(20_000) }
        #expect(sluice.log.contains("sink write failed"))

        #expect(try sluice.liftFileSizeLimit() == 0, "the disk recovers")

        var accepted = false
        for _ in 0..<100 where !accepted {  // bounded: about 10 s
            let body = #"[{"id":"after","data":{}}]"#
            let response = try sluice.request("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            accepted = response.status == 200
            if !accepted { usleep(100_000) }
        }
        #expect(accepted, "the service recovers by itself once the sink works")
        acknowledged.append("after")
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 15) == 0)
        #expect(sluice.log.contains("sink recovered"))
        let written = try SegmentFiles.ids(in: data)
        #expect(written.sorted() == acknowledged.sorted(), "every acknowledged item exactly once")
    }
}
