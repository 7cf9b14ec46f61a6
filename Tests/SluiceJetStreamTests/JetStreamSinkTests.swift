import Glibc
import SluiceCore
import SluiceJetStream
import SluiceTestSupport
import Synchronization
import Testing

/// The sink against a real nats-server: what it stores, how it sets up the stream, and how a
/// flush fails and is retried (refusals, a paused server, a killed one, none at start).
@Suite(.serialized, .enabled(if: NATSServer.isAvailable, NATSServer.missingMessage))
struct JetStreamSinkTests {
    /// A batch of slabs holding items with these ids, `{"n":<index>}` as data.
    static func batch(_ slabs: [[String]]) -> [ResultSlab] {
        slabs.map { ids in
            let slab = ResultSlab()
            slab.begin(receivedAtNanoseconds: 1_764_213_600_123_456_789)
            for (index, id) in ids.enumerated() {
                slab.append(id: Array(id.utf8), data: Array(#"{"n":\#(index)}"#.utf8), metadata: index == 0 ? Array(#"["m"]"#.utf8) : nil)
            }
            return slab
        }
    }

    /// The sink records of `batch` without their newlines, in order.
    static func records(_ batch: [ResultSlab]) -> [String] {
        batch.flatMap { slab in
            slab.map { result in slab.withRecord(of: result) { String(decoding: $0.dropLast(), as: UTF8.self) } }
        }
    }

    static func configuration(_ server: NATSServer, stream: String = "SLUICE", ackTimeout: Duration = .seconds(2)) -> JetStreamConfiguration {
        JetStreamConfiguration(urls: [server.url], subject: "sluice.items", stream: stream, ackTimeout: ackTimeout,
                               duplicateWindow: .seconds(90))
    }

    /// Polls `condition` every 10 ms until it holds or `seconds` pass.
    static func eventually(seconds: Double = 20, _ condition: () -> Bool) -> Bool {
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test func write_StoresOneMessagePerItem_ItsRecordAsPayload_AnIdUniquePerItemAndRun() throws {
        let server = try NATSServer.single()
        let sink = try JetStreamSink(configuration: Self.configuration(server))
        let batch = Self.batch([["a", "b", "c"], ["d", "e"]])
        try sink.write(batch)
        let second = Self.batch([["f"]])
        try sink.write(second)

        let stored = try StreamClient(urls: [server.url]).messages(stream: "SLUICE", subject: "sluice.items")
        #expect(stored.map(\.payload) == Self.records(batch) + Self.records(second))
        #expect(stored.map(\.messageID) == (1...6).map { "\(sink.runID)-\($0)" })
        #expect(sink.runID.count == 16 && sink.runID.allSatisfy(\.isHexDigit))
        let other = try JetStreamSink(configuration: Self.configuration(server))
        #expect(other.runID != sink.runID, "every sink (process run) has its own ids")
        let counters = sink.metrics.counters
        #expect(counters.flushes == 2 && counters.itemsWritten == 6 && counters.errors == 0)
        #expect(counters.bytesWritten == stored.reduce(0) { $0 + $1.payload.utf8.count })
        #expect(sink.jetStreamMetrics.counters.published == 6)
        #expect(sink.jetStreamMetrics.ackLatency.snapshot().count == 6)
        try sink.close()
        #expect(throws: SinkError.closed) { try sink.write(Self.batch([["late"]])) }
    }

    @Test func missingStream_IsCreated_WithTheSubjectFileStorageReplicasAndDuplicateWindow() throws {
        let server = try NATSServer.single()
        let events = Mutex<[JetStreamEvent]>([])
        let sink = try JetStreamSink(configuration: Self.configuration(server, stream: "CREATED")) { event in
            events.withLock { $0.append(event) }
        }
        let info = try #require(try StreamClient(urls: [server.url]).info(stream: "CREATED"))
        #expect(info.subjects == ["sluice.items"])
        #expect(info.isFileStorage)
        #expect(info.replicas == 1)
        #expect(info.duplicateWindowNanoseconds == 90_000_000_000)
        #expect(events.withLock { $0.contains(.streamCreated(name: "CREATED", subject: "sluice.items", replicas: 1)) })
        #expect(events.withLock { $0.contains { if case .connected = $0 { true } else { false } } })
        withExtendedLifetime(sink) {}
    }

    @Test func existingStream_IsUsedAsItIs() throws {
        let server = try NATSServer.single()
        let client = try StreamClient(urls: [server.url])
        try client.createStream("MINE", subjects: ["sluice.>"], memory: true)
        let events = Mutex<[JetStreamEvent]>([])
        let sink = try JetStreamSink(configuration: Self.configuration(server, stream: "MINE")) { event in
            events.withLock { $0.append(event) }
        }
        try sink.write(Self.batch([["x", "y"]]))
        let info = try #require(try client.info(stream: "MINE"))
        #expect(!info.isFileStorage, "an existing stream keeps its own configuration")
        #expect(info.subjects == ["sluice.>"])
        #expect(info.messages == 2)
        #expect(events.withLock { $0.contains(.streamFound(name: "MINE", subjects: ["sluice.>"], replicas: 1, storage: "memory")) })
    }

    @Test func anIdTheStreamAlreadyHolds_IsAcknowledgedAsDuplicate_AndStoredOnce() throws {
        let server = try NATSServer.single()
        let sink = try JetStreamSink(configuration: Self.configuration(server))
        // Someone (an earlier attempt whose ack was lost) already stored the second item's id.
        try StreamClient(urls: [server.url]).publish(subject: "sluice.items", messageID: "\(sink.runID)-2", payload: "stored before")
        let batch = Self.batch([["a", "b", "c"]])
        try sink.write(batch)
        let stored = try StreamClient(urls: [server.url]).messages(stream: "SLUICE", subject: "sluice.items")
        #expect(stored.map(\.payload) == ["stored before", Self.records(batch)[0], Self.records(batch)[2]])
        #expect(sink.jetStreamMetrics.counters.duplicates == 1)
        #expect(sink.metrics.counters.itemsWritten == 3, "a duplicate ack counts as stored")
    }

    @Test func refusedMessages_FailTheFlush_TheRetrySendsOnlyTheRestUnderTheSameIds() throws {
        let server = try NATSServer.single()
        let client = try StreamClient(urls: [server.url])
        try client.createStream("SLUICE", subjects: ["sluice.items"], maxMessages: 3)
        let sink = try JetStreamSink(configuration: Self.configuration(server))
        let batch = Self.batch([["a", "b"], ["c", "d", "e"]])
        #expect {
            try sink.write(batch)
        } throws: { error in
            guard case .notAcknowledged(_, let acknowledged, let messages, let reason) = error as? SinkError else { return false }
            return acknowledged == 3 && messages == 5 && reason.contains("maximum messages")
        }
        let afterFailure = sink.jetStreamMetrics.counters.published
        try client.updateStream("SLUICE", subjects: ["sluice.items"], maxMessages: nil)
        try sink.write(batch)
        #expect(sink.jetStreamMetrics.counters.published - afterFailure == 2, "only the two refused messages go again")
        let stored = try client.messages(stream: "SLUICE", subject: "sluice.items")
        #expect(stored.map(\.payload) == Self.records(batch))
        #expect(stored.map(\.messageID) == (1...5).map { "\(sink.runID)-\($0)" })
        #expect(sink.metrics.counters.errors == 1)
        #expect(sink.metrics.counters.flushes == 1)
    }

    @Test func pausedServer_FailsTheFlushAfterTheAckTimeout_TheRetryStoresEachItemOnce() throws {
        let server = try NATSServer.single()
        let sink = try JetStreamSink(configuration: Self.configuration(server, ackTimeout: .milliseconds(500)))
        try sink.write(Self.batch([["before"]]))
        let batch = Self.batch([(0..<40).map { "p\($0)" }, (40..<100).map { "p\($0)" }])
        server.pause()
        let start = monotonicSeconds()
        #expect {
            try sink.write(batch)
        } throws: { error in
            guard case .notAcknowledged(_, let acknowledged, let messages, let reason) = error as? SinkError else { return false }
            return acknowledged == 0 && messages == 100 && reason.contains("no PubAck")
        }
        #expect(monotonicSeconds() - start < 30, "a stalled server fails the flush instead of hanging it")
        // The server takes what sat in its socket buffer, stores it and answers late.
        server.resume()
        let client = try StreamClient(urls: [server.url])
        #expect(Self.eventually { (try? client.info(stream: "SLUICE"))?.messages == 101 })
        try sink.write(batch)
        let stored = try client.messages(stream: "SLUICE", subject: "sluice.items")
        #expect(stored.count == 101, "the retry under the same ids stored nothing twice")
        #expect(stored.dropFirst().map(\.payload) == Self.records(batch))
        #expect(Set(stored.map(\.messageID)).count == 101)
    }

    @Test func killedServer_FailsTheFlush_TheSinkReconnects_TheRetryStoresEachItemOnce() throws {
        let server = try NATSServer.single()
        let sink = try JetStreamSink(configuration: Self.configuration(server, ackTimeout: .seconds(1)))
        try sink.write(Self.batch([["before"]]))
        server.kill()
        let batch = Self.batch([(0..<50).map { "k\($0)" }])
        #expect(throws: SinkError.self) { try sink.write(batch) }
        #expect(Self.eventually { !sink.isConnected })
        #expect(throws: SinkError.self) { try sink.write(batch) }
        try server.start()
        try server.waitUntilReady()
        #expect(Self.eventually { sink.isConnected }, "the client reconnects by itself")
        try sink.write(batch)
        let stored = try StreamClient(urls: [server.url]).messages(stream: "SLUICE", subject: "sluice.items")
        #expect(stored.map(\.payload) == Self.records(Self.batch([["before"]])) + Self.records(batch))
        #expect(Set(stored.map(\.messageID)).count == stored.count)
        #expect(sink.jetStreamMetrics.counters.reconnects >= 1)
        #expect(sink.jetStreamMetrics.counters.disconnects >= 1)
    }

    @Test func noServerAtStart_TheSinkStartsAnyway_WritesFailUntilOneComes() throws {
        let ports = try FreePorts.probe(2)
        let server = try NATSServer(name: "late", directory: try TemporaryStore.make(), clientPort: ports[0], monitorPort: ports[1])
        let sink = try JetStreamSink(configuration: Self.configuration(server))
        #expect(!sink.isConnected)
        #expect {
            try sink.write(Self.batch([["early"]]))
        } throws: { error in
            if case .unavailable = error as? SinkError { true } else { false }
        }
        try server.start()
        try server.waitUntilReady()
        #expect(Self.eventually { sink.isConnected })
        let batch = Self.batch([["early"]])
        try sink.write(batch)
        let stored = try StreamClient(urls: [server.url]).messages(stream: "SLUICE", subject: "sluice.items")
        #expect(stored.map(\.payload) == Self.records(batch))
    }

    @Test func deletedStream_IsCreatedAgainByTheRetry() throws {
        let server = try NATSServer.single()
        let sink = try JetStreamSink(configuration: Self.configuration(server))
        try sink.write(Self.batch([["one"]]))
        let client = try StreamClient(urls: [server.url])
        try client.deleteStream("SLUICE")
        let batch = Self.batch([["two", "three"]])
        #expect {
            try sink.write(batch)
        } throws: { error in
            guard case .notAcknowledged(_, 0, 2, let reason) = error as? SinkError else { return false }
            return reason.contains("no responders")
        }
        try sink.write(batch)
        let stored = try client.messages(stream: "SLUICE", subject: "sluice.items")
        #expect(stored.map(\.payload) == Self.records(batch))
    }
}
