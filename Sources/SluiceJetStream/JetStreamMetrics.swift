import SluiceCore
import Synchronization

/// The JetStream sink's own counters, beside the `SinkMetrics` every sink has; read lock-free
/// by the metrics renderer.
///
/// Written by the sink's writer (published, duplicates, ack latency) and by the NATS client's
/// callback thread (reconnects, disconnects).
package final class JetStreamMetrics: Sendable {
    // Relaxed is enough: monotonic statistics, no data is published through them.
    private let published = Atomic<Int>(0)
    private let duplicates = Atomic<Int>(0)
    private let reconnects = Atomic<Int>(0)
    private let disconnects = Atomic<Int>(0)
    /// Per message: from its publish to its PubAck being taken by the sink.
    package let ackLatency = DurationHistogram()

    package init() {}

    /// Counter snapshot.
    package struct Counters: Sendable, Equatable {
        /// Messages handed to the client, republished ones included.
        package var published: Int
        /// PubAcks the server marked duplicate: a republished message it had already stored.
        package var duplicates: Int
        /// Connections re-established after a loss.
        package var reconnects: Int
        /// Connections lost.
        package var disconnects: Int
    }

    package var counters: Counters {
        Counters(
            published: published.load(ordering: .relaxed), duplicates: duplicates.load(ordering: .relaxed),
            reconnects: reconnects.load(ordering: .relaxed), disconnects: disconnects.load(ordering: .relaxed))
    }

    func recordPublished(_ count: Int) { published.add(count, ordering: .relaxed) }
    func recordDuplicate() { duplicates.add(1, ordering: .relaxed) }
    func recordReconnect() { reconnects.add(1, ordering: .relaxed) }
    func recordDisconnect() { disconnects.add(1, ordering: .relaxed) }
}

/// What a log should hear about the JetStream connection and stream. Connection events come
/// from the NATS client's callback thread, stream events from the writer.
package enum JetStreamEvent: Sendable, Equatable {
    /// Connected for the first time (also after an initial connect that had to be retried).
    case connected(url: String)
    /// The connection was lost; the client reconnects by itself.
    case disconnected
    /// Connected again after a loss.
    case reconnected(url: String)
    /// An error the client reported outside any call (a slow consumer, a permission error).
    case asynchronousError(String)
    /// The client closed the connection by itself and will not reconnect (every server
    /// refused it, e.g. its credentials): writes fail from now on, `JetStreamSink.failure`
    /// says why.
    case connectionClosed(reason: String)
    /// The sink created the stream.
    case streamCreated(name: String, subject: String, replicas: Int)
    /// The stream existed; the sink uses it as it is.
    case streamFound(name: String, subjects: [String], replicas: Int, storage: String)
    /// The stream could not be set up at start; the first write tries again.
    case streamUnavailable(reason: String)
}
