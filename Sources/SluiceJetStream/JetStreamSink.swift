import CNATS
import SluiceCore
import SluiceSupport
import Synchronization

/// A sink that publishes every item to a NATS JetStream stream: one message per item, its sink
/// record (the NDJSON line without the newline) as payload, and a `Nats-Msg-Id` header unique
/// per item and process run.
///
/// ```
/// let sink = try JetStreamSink(configuration: .init(urls: ["nats://127.0.0.1:4222"]))
/// try sink.write(slabs)   // returns once every message of the batch has its PubAck
/// try sink.close()
/// ```
/// `write` publishes the batch asynchronously, at most `maxPendingAcks` messages awaiting their
/// PubAck at a time, and returns only when every one is acknowledged: a returned `write` is a
/// stored batch (what `--ack durable` answers on). Otherwise it throws, and the flusher keeps
/// the batch and retries it with backoff, the buffer filling meanwhile (503s, never a drop):
/// - `.unavailable`: not connected (the client reconnects by itself, forever), or the stream
///   could not be looked up or created; nothing was sent.
/// - `.notAcknowledged`: a message was refused, or no PubAck came for `ackTimeout`.
/// The retry gives every item the same id and sends only the messages still unacknowledged;
/// JetStream drops, within its duplicate window, one it had stored while the ack was lost.
///
/// The stream is looked up before the first write and created when missing (the subject, file
/// storage, `replicas`, `duplicateWindow`); an existing stream is used as it is.
package final class JetStreamSink: Sink {
    package let configuration: JetStreamConfiguration
    package let metrics = SinkMetrics()
    /// Publish, reconnect and duplicate counters and the ack latency histogram.
    package let jetStreamMetrics = JetStreamMetrics()
    /// The random part of this sink's message ids: `<runID>-<sequence>`.
    package let runID: String
    private let connection: NATSConnection
    private let destination: String
    // Serialises writers (only the flusher writes; never contended). Held across the publish
    // and the wait for its acks on purpose: they are the critical section. Metrics read
    // `metrics` and `jetStreamMetrics`, never this lock.
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var names: MessageNames
        var sequencer = BatchSequencer()
        var tracker = AckTracker()
        var attempts: UInt64 = 0
        var isStreamReady = false
        var isClosed = false
    }

    /// Connects (or starts connecting, when no server answers yet) and, when connected, sets
    /// up the stream. Throws only for what retrying cannot fix (a malformed URL). A stream
    /// that cannot be set up yet is reported through `onEvent` and retried by the first write.
    package init(configuration: JetStreamConfiguration, onEvent: @escaping @Sendable (JetStreamEvent) -> Void = { _ in }) throws(SinkError) {
        if let problem = configuration.problem { preconditionFailure("JetStreamSink configuration: \(problem)") }
        self.configuration = configuration
        destination = "JetStream stream \(configuration.stream) (subject \(configuration.subject))"
        let events = ConnectionEvents(metrics: jetStreamMetrics, handler: onEvent)
        connection = try NATSConnection(configuration: configuration, events: events)
        let names = MessageNames(subject: configuration.subject, inbox: connection.inbox)
        runID = names.runID
        state = Mutex(State(names: names))
        guard connection.isConnected else { return }
        events.connectedAtStart(url: ConnectionEvents.connectedURL(connection.connection))
        do {
            try state.withLock { (state) throws(SinkError) in
                try setUpStream()
                state.isStreamReady = true
            }
        } catch {
            events.report(.streamUnavailable(reason: "\(error)"))
        }
    }

    /// Whether the connection to a server is up now.
    package var isConnected: Bool { connection.isConnected }

    /// Why the client closed the connection by itself (every server refused it, e.g. after the
    /// credentials changed on the servers), or nil. Nothing reconnects after it: every write
    /// fails, and the service reports it on `/healthz` so that its supervisor restarts it.
    package var failure: String? { connection.events.failure }

    /// The largest message the server accepts (its `max_payload`, headers included), as it
    /// said when the client connected; nil before the first connection.
    package var serverMaxPayloadBytes: Int? {
        let bytes = natsConnection_GetMaxPayload(connection.connection)
        return bytes > 0 ? Int(bytes) : nil
    }

    /// nats-server's default `max_payload`, assumed while no server has said otherwise.
    package static let defaultServerMaxPayloadBytes = 1 << 20

    /// The largest request body (decoded) whose every item fits in one message of at most
    /// `maxPayload` bytes. An item's sink record is at most the body's bytes plus 74 bytes of
    /// fixed JSON (a `data` string decodes to fewer bytes than it takes in the body), and the
    /// message adds its `Nats-Msg-Id` header (under 64 bytes); the rest of the 512 is margin.
    /// A record over `max_payload` could never be stored: its batch would fail for good.
    package static func largestBodyBytes(forMaxPayload maxPayload: Int) -> Int { max(0, maxPayload - 512) }

    package func write(_ batch: [ResultSlab]) throws(SinkError) {
        guard !batch.isEmpty else { return }
        let start = SystemClock.monotonicNanoseconds()
        do {
            let bytes = try state.withLock { (state) throws(SinkError) -> Int in try publish(batch, state: &state) }
            metrics.recordFlush(items: batch.itemCount, bytes: bytes, nanoseconds: SystemClock.monotonicNanoseconds() &- start)
        } catch {
            metrics.recordError()
            throw error
        }
    }

    /// Refuses further writes and closes the connection (everything written is acknowledged).
    package func close() throws(SinkError) {
        let wasOpen = state.withLock { state -> Bool in
            defer { state.isClosed = true }
            return !state.isClosed
        }
        if wasOpen { connection.close() }
    }

    // MARK: Publishing

    /// Publishes every unacknowledged message of `batch` and waits for the acks; returns the
    /// payload bytes of the batch.
    private func publish(_ batch: [ResultSlab], state: inout State) throws(SinkError) -> Int {
        guard !state.isClosed else { throw .closed }
        guard connection.isConnected else {
            throw .unavailable(destination: destination,
                               reason: connection.events.failure ?? "not connected to a NATS server (the client keeps reconnecting)")
        }
        if !state.isStreamReady {
            try setUpStream()
            state.isStreamReady = true
        }
        let count = batch.itemCount
        let (base, isRetry) = state.sequencer.assign(batch)
        state.tracker.begin(base: base, count: count, keepingAcks: isRetry)
        state.attempts += 1
        state.tracker.beginAttempt(state.attempts)
        state.names.begin(attempt: state.attempts)
        // Acks that came in after the last attempt gave up.
        var stop = isRetry ? takeWaitingReplies(&state) : nil
        var published = 0
        var index = 0
        for slab in batch where stop == nil {
            slab.withRecords { arena in
                for result in slab {
                    defer { index += 1 }
                    guard stop == nil else { return }
                    if state.tracker.isAcknowledged(index) { continue }
                    if state.tracker.outstanding >= configuration.maxPendingAcks {
                        stop = awaitReplies(outstandingAtMost: configuration.maxPendingAcks - 1, state: &state)
                        if stop != nil { return }
                    }
                    // A refusal stops the attempt: the rest would most likely be refused too.
                    if state.tracker.failures > 0 {
                        stop = state.tracker.firstFailure
                        return
                    }
                    let record = result.recordRange
                    // Safe: the record lies inside the arena (ResultSlab's invariant); the
                    // payload leaves out its newline.
                    let payload = arena.baseAddress! + record.lowerBound
                    state.names.select(sequence: base + UInt64(index))
                    let status = publishMessage(payload: payload, count: record.count - 1, names: state.names)
                    guard status == NATS_OK else {
                        stop = "publishing failed: \(NATSText.lastError(status))"
                        return
                    }
                    state.tracker.published(index: index, atNanoseconds: SystemClock.monotonicNanoseconds())
                    published += 1
                }
            }
        }
        jetStreamMetrics.recordPublished(published)
        // A complete attempt waits for the acks of what it sent. One that stopped (a timeout, a
        // refusal, a failed publish) takes only what has arrived: waiting again could double the
        // ack timeout, and acks still coming are taken by the retry (each spares a republish).
        let waited = stop == nil ? awaitReplies(outstandingAtMost: 0, state: &state) : takeWaitingReplies(&state)
        if state.tracker.isComplete {
            state.sequencer.release()
            return batch.byteCount - count
        }
        state.sequencer.hold(batch, base: base)
        if state.tracker.isStreamMissing { state.isStreamReady = false }
        let reason = stop ?? state.tracker.firstFailure ?? waited ?? "some messages got no PubAck"
        throw .notAcknowledged(destination: destination, acknowledged: state.tracker.acknowledgedCount, messages: count, reason: reason)
    }

    /// One message with the names' subject, reply and id; the client copies what it needs.
    private func publishMessage(payload: UnsafeRawPointer, count: Int, names: borrowing MessageNames) -> natsStatus {
        var message: OpaquePointer?
        var status = natsMsg_Create(&message, names.subject, names.reply, payload.assumingMemoryBound(to: CChar.self), Int32(count))
        if status == NATS_OK { status = natsMsgHeader_Set(message, names.headerName, names.id) }
        if status == NATS_OK { status = natsConnection_PublishMsg(connection.connection, message) }
        natsMsg_Destroy(message)
        return status
    }

    /// Takes replies until at most `limit` messages of the current attempt await theirs;
    /// returns why it stopped early (no reply for `ackTimeout`, the subscription failed).
    private func awaitReplies(outstandingAtMost limit: Int, state: inout State) -> String? {
        let timeout = configuration.ackTimeout.clientMilliseconds
        while state.tracker.outstanding > limit {
            if let failure = takeReply(waitingMilliseconds: timeout, state: &state) { return failure }
            if let failure = takeWaitingReplies(&state) { return failure }
        }
        return nil
    }

    /// Takes the replies already received, without waiting.
    private func takeWaitingReplies(_ state: inout State) -> String? {
        while true {
            switch nextReply(waitingMilliseconds: 0, state: &state) {
            case .took: continue
            case .none: return nil
            case .failed(let reason): return reason
            }
        }
    }

    /// Takes one reply, waiting up to `waitingMilliseconds`; nil when it took one.
    private func takeReply(waitingMilliseconds: Int64, state: inout State) -> String? {
        switch nextReply(waitingMilliseconds: waitingMilliseconds, state: &state) {
        case .took: nil
        case .none: "no PubAck for \(configuration.ackTimeout) with \(state.tracker.outstanding) messages awaiting theirs"
        case .failed(let reason): reason
        }
    }

    private enum NextReply {
        case took
        case none
        case failed(String)
    }

    private func nextReply(waitingMilliseconds: Int64, state: inout State) -> NextReply {
        var message: OpaquePointer?
        let status = natsSubscription_NextMsg(&message, connection.acks, waitingMilliseconds)
        defer { natsMsg_Destroy(message) }
        switch status {
        case NATS_OK:
            guard let message else { return .took }
            if natsMsg_IsNoResponders(message) {
                state.tracker.takeNoResponders(subject: configuration.subject)
            } else if let subject = natsMsg_GetSubject(message), let (attempt, sequence) = state.names.parseReply(subject) {
                let bytes = UnsafeRawBufferPointer(start: natsMsg_GetData(message), count: Int(natsMsg_GetDataLength(message)))
                let now = SystemClock.monotonicNanoseconds()
                switch state.tracker.take(attempt: attempt, sequence: sequence, reply: PubAckReply(bytes), atNanoseconds: now) {
                case .acknowledged(let latency, let isDuplicate):
                    jetStreamMetrics.ackLatency.observe(nanoseconds: latency)
                    if isDuplicate { jetStreamMetrics.recordDuplicate() }
                case .late(let isDuplicate):
                    if isDuplicate { jetStreamMetrics.recordDuplicate() }
                case .refused, .ignored:
                    break
                }
            }
            return .took
        case NATS_NO_RESPONDERS:
            state.tracker.takeNoResponders(subject: configuration.subject)
            return .took
        case NATS_TIMEOUT:
            return .none
        case NATS_SLOW_CONSUMER:
            return .failed("PubAcks were dropped: more arrived than the client holds (a slow consumer)")
        default:
            return .failed("waiting for PubAcks failed: \(NATSText.lastError(status))")
        }
    }

    // MARK: The stream

    /// Looks the stream up, and creates it when it does not exist.
    private func setUpStream() throws(SinkError) {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(0)
        var status = js_GetStreamInfo(&info, connection.jetStream, configuration.stream, nil, &code)
        if status == NATS_OK, let info {
            defer { jsStreamInfo_Destroy(info) }
            connection.events.report(Self.found(info.pointee.Config))
            return
        }
        guard status == NATS_NOT_FOUND || code == JSStreamNotFoundErr else {
            throw .unavailable(destination: destination, reason: "looking up the stream failed: \(Self.text(status, code))")
        }
        status = withCStrings([configuration.stream, configuration.subject]) { names in
            var subjects = [names[1]]
            return subjects.withUnsafeMutableBufferPointer { subjects in
                var config = jsStreamConfig()
                jsStreamConfig_Init(&config)
                config.Name = names[0]
                config.Subjects = subjects.baseAddress
                config.SubjectsLen = 1
                config.Storage = js_FileStorage
                config.Replicas = Int64(configuration.replicas)
                config.Duplicates = max(0, configuration.duplicateWindow.saturatingNanoseconds)
                return js_AddStream(&info, connection.jetStream, &config, nil, &code)
            }
        }
        if status == NATS_OK {
            jsStreamInfo_Destroy(info)
            connection.events.report(.streamCreated(name: configuration.stream, subject: configuration.subject, replicas: configuration.replicas))
            return
        }
        // Another sluice created it in the meantime (with another configuration): use it.
        if code == JSStreamNameExistErr, js_GetStreamInfo(&info, connection.jetStream, configuration.stream, nil, &code) == NATS_OK, let info {
            defer { jsStreamInfo_Destroy(info) }
            connection.events.report(Self.found(info.pointee.Config))
            return
        }
        throw .unavailable(destination: destination, reason: "creating the stream failed: \(Self.text(status, code))")
    }

    private static func found(_ config: UnsafeMutablePointer<jsStreamConfig>?) -> JetStreamEvent {
        guard let config = config?.pointee else { return .streamFound(name: "", subjects: [], replicas: 0, storage: "") }
        let subjects = (0..<Int(config.SubjectsLen)).compactMap { config.Subjects?[$0].map { String(cString: $0) } }
        return .streamFound(
            name: config.Name.map { String(cString: $0) } ?? "", subjects: subjects, replicas: Int(config.Replicas),
            storage: config.Storage == js_FileStorage ? "file" : "memory")
    }

    private static func text(_ status: natsStatus, _ code: jsErrCode) -> String {
        NATSText.lastError(status) + (code.rawValue != 0 ? " (err_code \(code.rawValue))" : "")
    }
}
