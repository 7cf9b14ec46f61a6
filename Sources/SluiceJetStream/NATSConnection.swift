import CNATS
import Glibc
import SluiceCore

/// One NATS connection with its JetStream context and the subscription PubAcks arrive on: the
/// C client's objects, created together and destroyed together.
///
/// The client reconnects by itself, forever, and retries a failed first connect in the
/// background, so a sink can be built while the servers are still starting. Its events go to
/// `ConnectionEvents` from the client's callback thread.
///
/// Thread safety (why `@unchecked Sendable` is sound): the connection and the JetStream
/// context are thread-safe C objects; the pointers never change after `init`. The ack
/// subscription is synchronous and read only by the sink's writer, under the sink's lock.
/// `close` and `deinit` happen after the last write.
final class NATSConnection: @unchecked Sendable {
    let connection: OpaquePointer
    let jetStream: OpaquePointer
    let acks: OpaquePointer
    /// The inbox PubAcks are addressed to: replies go to `<inbox>.<attempt>.<sequence>`.
    let inbox: String
    let events: ConnectionEvents

    /// Connects (or starts connecting) to `configuration.urls`. Throws for what retrying
    /// cannot fix: a malformed URL, an unreadable or invalid certificate or credentials file, a
    /// server that refused the credentials or failed the TLS handshake on the first attempt.
    /// Only when no server could be reached at all does the client go on trying in the
    /// background.
    init(configuration: JetStreamConfiguration, events: ConnectionEvents) throws(SinkError) {
        let destination = "NATS \(NATSURL.redacted(configuration.urls))"
        var options: OpaquePointer?
        guard natsOptions_Create(&options) == NATS_OK, let options else {
            throw .unavailable(destination: destination, reason: NATSText.lastError(NATS_NO_MEMORY))
        }
        defer { natsOptions_Destroy(options) }
        // Retained by the callbacks until the connection's closed callback, its last one.
        let closure = Unmanaged.passRetained(events).toOpaque()
        var status = Self.apply(configuration, closure: closure, to: options)
        var reason: String?
        var connection: OpaquePointer?
        if status == NATS_OK {
            // A first attempt in the foreground, so that a refusal (credentials, TLS) stops the
            // start with its reason instead of a background loop that would end in a closed
            // connection. The client reports no callback for a connect that failed.
            status = natsConnection_Connect(&connection, options)
            if status == NATS_NO_SERVER {
                // Nothing answered yet (servers still starting): keep trying in the background.
                status = natsOptions_SetRetryOnFailedConnect(options, true, ConnectionEvents.onConnected, closure)
                if status == NATS_OK { status = natsConnection_Connect(&connection, options) }
                if status == NATS_NOT_YET_CONNECTED { status = NATS_OK }
            } else if status != NATS_OK {
                reason = Self.refusal(status, isTLS: configuration.tls != nil)
            }
        }
        guard status == NATS_OK, let connection else {
            Unmanaged<ConnectionEvents>.fromOpaque(closure).release()
            throw .unavailable(destination: destination, reason: reason ?? NATSText.lastError(status))
        }
        var jetStreamOptions = jsOptions()
        jsOptions_Init(&jetStreamOptions)
        // Stream lookups and creation wait this long for the server's answer.
        jetStreamOptions.Wait = configuration.ackTimeout.clientMilliseconds
        var jetStream: OpaquePointer?
        var inboxPointer: UnsafeMutablePointer<natsInbox>?
        var acks: OpaquePointer?
        status = natsConnection_JetStream(&jetStream, connection, &jetStreamOptions)
        if status == NATS_OK { status = natsInbox_Create(&inboxPointer) }
        let inbox = inboxPointer.map { String(cString: $0) } ?? ""
        natsInbox_Destroy(inboxPointer)
        if status == NATS_OK { status = natsConnection_SubscribeSync(&acks, connection, inbox + ".>") }
        if status == NATS_OK, let acks {
            // At most maxPendingAcks acks of the current attempt are outstanding; the rest of
            // the room is for late acks of an attempt that timed out. Beyond it the client drops
            // acks (a slow consumer), which fails the flush: never a silent loss.
            let messages = Int32(clamping: max(4 * configuration.maxPendingAcks, 65_536))
            status = natsSubscription_SetPendingLimits(acks, messages, Int32(clamping: Int(messages) * 1024))
        }
        guard status == NATS_OK, let jetStream, let acks else {
            let reason = NATSText.lastError(status)
            natsSubscription_Destroy(acks)
            jsCtx_Destroy(jetStream)
            natsConnection_Destroy(connection)
            throw .unavailable(destination: destination, reason: reason)
        }
        self.connection = connection
        self.jetStream = jetStream
        self.acks = acks
        self.inbox = inbox
        self.events = events
    }

    deinit {
        natsSubscription_Destroy(acks)
        jsCtx_Destroy(jetStream)
        natsConnection_Destroy(connection)
    }

    /// Whether the connection is up now (not connecting, reconnecting or closed).
    var isConnected: Bool { natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED }

    /// What a failed first connect means, with the options that may fix it.
    private static func refusal(_ status: natsStatus, isTLS: Bool) -> String {
        let detail = NATSText.lastError(status)
        switch status {
        case NATS_CONNECTION_AUTH_FAILED, NATS_NOT_PERMITTED:
            return "the server refused the credentials (\(detail)); check --nats-user with --nats-password-file or SLUICE_NATS_PASSWORD, --nats-token-file or SLUICE_NATS_TOKEN, or --nats-creds"
        case NATS_SSL_ERROR:
            return "the TLS handshake failed (\(detail)); check --nats-tls-ca (the CA that signed the servers' certificates) and, for mutual TLS, --nats-tls-cert and --nats-tls-key"
        case NATS_SECURE_CONNECTION_REQUIRED, NATS_SECURE_CONNECTION_WANTED:
            return "TLS is required on one side only (\(detail)); use tls:// URLs or --nats-tls-ca, or turn TLS on at the server"
        default:
            // A server that verifies client certificates closes the connection on a missing or
            // untrusted one after the handshake: the client sees it only as a protocol error.
            return isTLS ? "\(detail) (a server that verifies client certificates closes the connection on a missing or untrusted one: check --nats-tls-cert and --nats-tls-key)" : detail
        }
    }

    /// Closes the connection; the objects stay valid (for `isConnected`) until `deinit`.
    func close() {
        events.closing()
        natsSubscription_Unsubscribe(acks)
        natsConnection_Close(connection)
    }

    private static func apply(_ configuration: JetStreamConfiguration, closure: UnsafeMutableRawPointer, to options: OpaquePointer) -> natsStatus {
        var status = withCStrings(configuration.urls) { urls in
            natsOptions_SetServers(options, urls.baseAddress, Int32(urls.count))
        }
        let steps: [() -> natsStatus] = [
            { natsOptions_SetName(options, configuration.connectionName) },
            { natsOptions_SetTimeout(options, configuration.connectTimeout.clientMilliseconds) },
            { natsOptions_SetMaxReconnect(options, -1) },
            { natsOptions_SetReconnectWait(options, configuration.reconnectWait.clientMilliseconds) },
            // A server that vanished without closing the TCP connection is noticed within
            // about 3 pings (15 s) rather than the client's default 6 minutes.
            { natsOptions_SetPingInterval(options, 5000) },
            { natsOptions_SetMaxPingsOut(options, 2) },
            // Larger writes: one send per 256 KiB of messages rather than per 32 KiB.
            { natsOptions_SetIOBufSize(options, 256 << 10) },
            // Stream lookups during a disconnection fail at once instead of waiting it out.
            { natsOptions_SetFailRequestsOnDisconnect(options, true) },
            { natsOptions_SetDisconnectedCB(options, ConnectionEvents.onDisconnected, closure) },
            { natsOptions_SetReconnectedCB(options, ConnectionEvents.onReconnected, closure) },
            { natsOptions_SetClosedCB(options, ConnectionEvents.onClosed, closure) },
            { natsOptions_SetErrorHandler(options, ConnectionEvents.onError, closure) },
        ]
        for step in steps where status == NATS_OK { status = step() }
        if status == NATS_OK { status = applyAuthentication(configuration.authentication, to: options) }
        if status == NATS_OK, let tls = configuration.tls { status = applyTLS(tls, to: options) }
        return status
    }

    private static func applyAuthentication(_ authentication: NATSAuthentication, to options: OpaquePointer) -> natsStatus {
        switch authentication {
        case .none: NATS_OK
        case .userPassword(let user, let password): natsOptions_SetUserInfo(options, user, password)
        case .token(let token): natsOptions_SetToken(options, token)
        case .credentialsFile(let path): natsOptions_SetUserCredentialsFromFiles(options, path, nil)
        }
    }

    /// TLS on, the CA and the client certificate loaded (the client checks the files here).
    private static func applyTLS(_ tls: NATSTLS, to options: OpaquePointer) -> natsStatus {
        var status = natsOptions_SetSecure(options, true)
        if status == NATS_OK, let caFile = tls.caFile { status = natsOptions_LoadCATrustedCertificates(options, caFile) }
        if status == NATS_OK, let certificateFile = tls.certificateFile, let keyFile = tls.keyFile {
            status = natsOptions_LoadCertificatesChain(options, certificateFile, keyFile)
        }
        return status
    }
}

/// Calls `body` with `strings` as a C array of NUL-terminated strings, valid only inside it.
func withCStrings<R>(_ strings: [String], _ body: (UnsafeMutableBufferPointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeMutableBufferPointer { body($0) }
}

/// Texts for the C client's status codes.
enum NATSText {
    /// The client's last error on this thread (its detailed text when it has one), else the
    /// status's own text.
    static func lastError(_ status: natsStatus) -> String {
        var last = NATS_OK
        if let text = nats_GetLastError(&last), last != NATS_OK, text.pointee != 0 { return withoutSourceLocation(String(cString: text)) }
        return status.text
    }

    /// The text without the client's leading `(conn.c:1905): `.
    static func withoutSourceLocation(_ text: String) -> String {
        guard text.first == "(", let close = text.firstIndex(of: ")"), text[close...].hasPrefix("): ") else { return text }
        return String(text[text.index(close, offsetBy: 3)...])
    }
}

extension natsStatus {
    /// The client's name for the status ("Timeout", "No responders available for request").
    var text: String { String(cString: natsStatus_GetText(self)) }
}
