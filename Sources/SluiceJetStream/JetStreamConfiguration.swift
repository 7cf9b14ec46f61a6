/// Where and how `JetStreamSink` publishes: the servers, the subject and stream, and the
/// bounds on waiting and on what is in flight.
///
/// ```
/// JetStreamConfiguration(urls: ["nats://nats-0:4222", "nats://nats-1:4222"], replicas: 3)
/// ```
/// The stream settings (`replicas`, `duplicateWindow`, file storage, the subject) apply only
/// when the sink creates the stream; an existing stream is used as it is.
public struct JetStreamConfiguration: Sendable, Equatable {
    /// Servers to connect to (and reconnect to, in random order); one is enough, the client
    /// learns the rest of a cluster from it.
    public var urls: [String]
    /// The subject every message is published to.
    public var subject: String
    /// The stream that captures `subject`; created when missing.
    public var stream: String
    /// Replicas of a stream the sink creates (1 to 5; a cluster needs at least that many nodes).
    public var replicas: Int
    /// A flush fails when no PubAck arrives for this long while messages await theirs (a dead
    /// or partitioned server), instead of hanging; the flusher retries it with backoff.
    public var ackTimeout: Duration
    /// Most messages published and not yet acknowledged at a time: bounds the client's buffers,
    /// the acks queued for the sink, and what one flush asks of the server at once.
    public var maxPendingAcks: Int
    /// Duplicate window of a stream the sink creates: a message republished within it under the
    /// same `Nats-Msg-Id` is dropped by the server. The server keeps every id of the window in
    /// memory, about 200 bytes per message published in that time (nats-server 2.9).
    public var duplicateWindow: Duration
    /// Limit for one TCP connect and handshake attempt.
    public var connectTimeout: Duration
    /// Pause between reconnect attempts (the client retries forever).
    public var reconnectWait: Duration
    /// The connection's name, shown by the server's monitoring (`/connz`).
    public var connectionName: String

    public init(
        urls: [String] = ["nats://127.0.0.1:4222"], subject: String = "sluice.items", stream: String = "SLUICE",
        replicas: Int = 1, ackTimeout: Duration = .seconds(5), maxPendingAcks: Int = 8192,
        duplicateWindow: Duration = .seconds(120), connectTimeout: Duration = .seconds(2),
        reconnectWait: Duration = .milliseconds(250), connectionName: String = "sluice"
    ) {
        self.urls = urls
        self.subject = subject
        self.stream = stream
        self.replicas = replicas
        self.ackTimeout = ackTimeout
        self.maxPendingAcks = maxPendingAcks
        self.duplicateWindow = duplicateWindow
        self.connectTimeout = connectTimeout
        self.reconnectWait = reconnectWait
        self.connectionName = connectionName
    }

    /// Why the configuration cannot work, or nil. Checked by `JetStreamSink.init` (a trap) and
    /// by the command line (a usage error).
    public var problem: String? {
        if urls.isEmpty || urls.contains(where: { $0.isEmpty }) { return "at least one NATS server URL is needed" }
        if !Self.isPublishSubject(subject) {
            return "subject \"\(subject)\" must be dot-separated tokens without spaces or wildcards (* >)"
        }
        if stream.isEmpty || stream.contains(where: { " \t.*>/\\".contains($0) }) {
            return "stream name \"\(stream)\" must not be empty or contain spaces, '.', '*', '>', '/' or '\\'"
        }
        if !(1...5).contains(replicas) { return "replicas must be 1 to 5 (JetStream's limit)" }
        if ackTimeout < .milliseconds(1) { return "the ack timeout must be at least 1 ms" }
        if maxPendingAcks < 1 { return "the most messages awaiting their PubAck must be positive" }
        if duplicateWindow < .milliseconds(100) { return "the duplicate window must be at least 100 ms" }
        return nil
    }

    /// A subject a message can be published to: non-empty tokens of printable ASCII between
    /// dots, no wildcard tokens.
    static func isPublishSubject(_ subject: String) -> Bool {
        let tokens = subject.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !subject.isEmpty && tokens.allSatisfy { token in
            !token.isEmpty && token.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "*") && $0 != UInt8(ascii: ">") }
        }
    }
}

extension Duration {
    /// Whole milliseconds, at least 1 (the C client's unit for timeouts), saturating.
    var clientMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? 1 : .max }
        return Swift.max(1, scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue)
    }
}
