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
        guard let events = from(closure), events.hasConnected.load(ordering: .relaxed) else { return }
        events.metrics.recordDisconnect()
        events.handler(.disconnected)
    }

    static let onReconnected: natsConnectionHandler = { connection, closure in
        guard let events = from(closure) else { return }
        events.metrics.recordReconnect()
        events.handler(.reconnected(url: connectedURL(connection)))
    }

    /// The last callback of a connection: gives back the reference the callbacks held.
    static let onClosed: natsConnectionHandler = { _, closure in
        guard let closure else { return }
        Unmanaged<ConnectionEvents>.fromOpaque(closure).release()
    }

    static let onError: natsErrHandler = { _, _, status, closure in
        guard let events = from(closure) else { return }
        events.handler(.asynchronousError(NATSText.lastError(status)))
    }

    /// Marks the connection made by `natsConnection_Connect` itself (no callback reports it).
    func connectedAtStart(url: String) {
        hasConnected.store(true, ordering: .relaxed)
        handler(.connected(url: url))
    }

    func report(_ event: JetStreamEvent) { handler(event) }

    private static func from(_ closure: UnsafeMutableRawPointer?) -> ConnectionEvents? {
        closure.map { Unmanaged<ConnectionEvents>.fromOpaque($0).takeUnretainedValue() }
    }

    static func connectedURL(_ connection: OpaquePointer?) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard let connection, natsConnection_GetConnectedUrl(connection, &buffer, buffer.count) == NATS_OK else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
