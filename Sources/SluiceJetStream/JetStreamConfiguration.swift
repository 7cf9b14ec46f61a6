/// Where and how `JetStreamSink` publishes: the servers, the subject and stream, and the
/// bounds on waiting and on what is in flight.
///
/// ```
/// JetStreamConfiguration(urls: ["nats://nats-0:4222", "nats://nats-1:4222"], replicas: 3)
/// ```
/// The stream settings (`replicas`, `duplicateWindow`, file storage, the subject) apply only
/// when the sink creates the stream; an existing stream is used as it is.
package struct JetStreamConfiguration: Sendable, Equatable {
    /// Servers to connect to (and reconnect to, in random order); one is enough, the client
    /// learns the rest of a cluster from it.
    package var urls: [String]
    /// The subject every message is published to.
    package var subject: String
    /// The stream that captures `subject`; created when missing.
    package var stream: String
    /// Replicas of a stream the sink creates (1 to 5; a cluster needs at least that many nodes).
    package var replicas: Int
    /// A flush fails when no PubAck arrives for this long while messages await theirs (a dead
    /// or partitioned server), instead of hanging; the flusher retries it with backoff.
    package var ackTimeout: Duration
    /// Most messages published and not yet acknowledged at a time: bounds the client's buffers,
    /// the acks queued for the sink, and what one flush asks of the server at once.
    package var maxPendingAcks: Int
    /// Duplicate window of a stream the sink creates: a message republished within it under the
    /// same `Nats-Msg-Id` is dropped by the server. The server keeps every id of the window in
    /// memory, about 200 bytes per message published in that time (nats-server 2.9).
    package var duplicateWindow: Duration
    /// Limit for one TCP connect and handshake attempt.
    package var connectTimeout: Duration
    /// Pause between reconnect attempts (the client retries forever).
    package var reconnectWait: Duration
    /// The connection's name, shown by the server's monitoring (`/connz`).
    package var connectionName: String
    /// How the sink proves who it is (a user and password, a token, a JWT `.creds` file), or
    /// `.none` (credentials in a URL's userinfo still apply).
    package var authentication: NATSAuthentication
    /// TLS settings; nil: TLS only when a URL says `tls://` or the server requires it, with the
    /// system's trust store.
    package var tls: NATSTLS?

    package init(
        urls: [String] = ["nats://127.0.0.1:4222"], subject: String = "sluice.items", stream: String = "SLUICE",
        replicas: Int = 1, ackTimeout: Duration = .seconds(5), maxPendingAcks: Int = 8192,
        duplicateWindow: Duration = .seconds(120), connectTimeout: Duration = .seconds(2),
        reconnectWait: Duration = .milliseconds(250), connectionName: String = "sluice",
        authentication: NATSAuthentication = .none, tls: NATSTLS? = nil
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
        self.authentication = authentication
        self.tls = tls
    }

    /// Why the configuration cannot work, or nil. Checked by `JetStreamSink.init` (a trap) and
    /// by the command line (a usage error).
    package var problem: String? {
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
        if let problem = authentication.problem { return problem }
        if let tls, (tls.certificateFile == nil) != (tls.keyFile == nil) {
            return "a TLS client certificate needs its key, and a key its certificate"
        }
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

/// How the sink authenticates to the NATS servers. Its description never shows a secret.
package enum NATSAuthentication: Sendable, Equatable, CustomStringConvertible {
    case none
    case userPassword(user: String, password: String)
    case token(String)
    /// A JWT `.creds` file (the user JWT and its NKey seed), which the client reads again at
    /// every connect: a rotated file applies from the next reconnect.
    case credentialsFile(path: String)

    package var description: String {
        switch self {
        case .none: "none"
        case .userPassword(let user, _): "user \(user) with a password"
        case .token: "a token"
        case .credentialsFile(let path): "credentials file \(path)"
        }
    }

    var problem: String? {
        switch self {
        case .none, .credentialsFile: nil
        case .userPassword(let user, let password): user.isEmpty || password.isEmpty ? "a NATS user needs a password, and a password a user" : nil
        case .token(let token): token.isEmpty ? "the NATS token is empty" : nil
        }
    }
}

/// TLS to the NATS servers: the CA that signed their certificates and, for mutual TLS, the
/// client's certificate chain and key (PEM files, read when the sink connects).
package struct NATSTLS: Sendable, Equatable {
    /// CA certificates trusted for the servers' certificates; nil: the system's trust store.
    package var caFile: String?
    package var certificateFile: String?
    package var keyFile: String?

    package init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// Server URLs as logs may show them: the userinfo (a user and password, or a token) of
/// `nats://alice:secret@host:4222` becomes `nats://***@host:4222`.
package enum NATSURL {
    package static func redacted(_ url: String) -> String {
        let bytes = Array(url.utf8)
        var authorityStart = 0
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: "://".utf8) { authorityStart = colon + 3 }
        let authorityEnd = bytes[authorityStart...].firstIndex { "/?#".utf8.contains($0) } ?? bytes.count
        guard let at = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) else { return url }
        return String(decoding: bytes[..<authorityStart], as: UTF8.self) + "***" + String(decoding: bytes[at...], as: UTF8.self)
    }

    package static func redacted(_ urls: [String]) -> String { urls.map { redacted($0) }.joined(separator: ",") }
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
