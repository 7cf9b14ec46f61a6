import CNATS
import Synchronization

/// Receives the NATS client's connection callbacks (on the client's own callback thread) and
/// turns them into counters and `JetStreamEvent`s.
///
/// The client gets an unmanaged pointer to this object as its callbacks' closure; that
/// reference is retained until the closed callback, which the client delivers last.
final class ConnectionEvents: Sendable {
    let metrics: JetStreamMetrics
    private let handler: @Sendable (JetStreamEvent) -> Void
    // Set once the first connection is up, so a later loss counts as a disconnection and the
    // next success as a reconnect. Relaxed: only the callback thread reads and writes it.
    private let hasConnected = Atomic<Bool>(false)
    // Set by `NATSConnection.close` before it closes: a closed callback without it is the
    // client giving up (every server refused it, e.g. its credentials), which nothing undoes.
    private let isClosing = Atomic<Bool>(false)
    private let closedReason = Mutex<String?>(nil)

    init(metrics: JetStreamMetrics, handler: @escaping @Sendable (JetStreamEvent) -> Void) {
        self.metrics = metrics
        self.handler = handler
    }

    /// A connect that had to be retried in the background succeeded.
    static let onConnected: natsConnectionHandler = { connection, closure in
        guard let events = from(closure) else { return }
        events.hasConnected.store(true, ordering: .relaxed)
        events.handler(.connected(url: connectedURL(connection)))
    }

    static let onDisconnected: natsConnectionHandler = { _, closure in
        // Not when the sink closes the connection: that is no loss.
        guard let events = from(closure), events.hasConnected.load(ordering: .relaxed),
              !events.isClosing.load(ordering: .acquiring) else { return }
        events.metrics.recordDisconnect()
        events.handler(.disconnected)
    }

    static let onReconnected: natsConnectionHandler = { connection, closure in
        guard let events = from(closure) else { return }
        events.metrics.recordReconnect()
        events.handler(.reconnected(url: connectedURL(connection)))
    }

    /// The last callback of a connection: notes why the client gave up when the sink did not
    /// close it, and gives back the reference the callbacks held.
    static let onClosed: natsConnectionHandler = { connection, closure in
        guard let closure else { return }
        let events = Unmanaged<ConnectionEvents>.fromOpaque(closure).takeUnretainedValue()
        if !events.isClosing.load(ordering: .acquiring) {
            var text: UnsafePointer<CChar>?
            let status = connection.map { natsConnection_GetLastError($0, &text) } ?? NATS_CONNECTION_CLOSED
            let detail = text.map { NATSText.withoutSourceLocation(String(cString: $0)) }.flatMap { $0.isEmpty ? nil : $0 } ?? status.text
            let reason = "the NATS client closed the connection for good: \(detail)"
            events.closedReason.withLock { $0 = reason }
            events.handler(.connectionClosed(reason: reason))
        }
        Unmanaged<ConnectionEvents>.fromOpaque(closure).release()
    }

    /// Why the client closed the connection by itself, or nil while it has not.
    var failure: String? { closedReason.withLock { $0 } }

    /// The sink is closing the connection: the closed callback that follows is expected.
    func closing() { isClosing.store(true, ordering: .releasing) }

    static let onError: natsErrHandler = { _, _, status, closure in
        guard let events = from(closure) else { return }
        events.handler(.asynchronousError(NATSText.lastError(status)))
    }

    /// Marks the connection made by `natsConnection_Connect` itself (no callback reports it).
    func connectedAtStart(url: String) {
        hasConnected.store(true, ordering: .relaxed)
        handler(.connected(url: NATSURL.redacted(url)))
    }

    func report(_ event: JetStreamEvent) { handler(event) }

    private static func from(_ closure: UnsafeMutableRawPointer?) -> ConnectionEvents? {
        closure.map { Unmanaged<ConnectionEvents>.fromOpaque($0).takeUnretainedValue() }
    }

    static func connectedURL(_ connection: OpaquePointer?) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard let connection, natsConnection_GetConnectedUrl(connection, &buffer, buffer.count) == NATS_OK else { return "" }
        return NATSURL.redacted(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
