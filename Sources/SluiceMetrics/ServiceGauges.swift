/// The service's own state at one moment, read by a closure the executable gives the monitor
/// (pools, batch buffer, sink, connections). The closure runs on the sampler's queue and on
/// scrapes, never per request, so it may allocate; it must only read thread-safe state.
///
/// ```
/// ServiceGauges(connectionsOpen: server.openConnections, connectionsTotal: server.acceptedTotal,
///               bufferItems: buffer.count, bufferCapacityItems: buffer.capacity,
///               pools: [PoolStats(name: "results", gets: 10, misses: 1, idleObjects: 9)],
///               sink: SinkStats(flushes: 2, itemsWritten: 10, bytesWritten: 900, errors: 0,
///                               flushDuration: .empty(upperBounds: [0.001])))
/// ```
package struct ServiceGauges: Sendable, Equatable {
    /// `sluice_http_connections_open`.
    package var connectionsOpen: Int
    /// `sluice_http_connections_total` (accepted since start).
    package var connectionsTotal: UInt64
    /// `sluice_batch_buffer_items`.
    package var bufferItems: Int
    /// `sluice_batch_buffer_capacity_items`.
    package var bufferCapacityItems: Int
    /// `sluice_pool_*{pool}`, one entry per pool, rendered in this order.
    package var pools: [PoolStats]
    /// `sluice_sink_*`.
    package var sink: SinkStats
    /// `sluice_ack_*`, with `--ack durable` only (nil: not rendered).
    package var acknowledgements: AcknowledgementStats?
    /// `sluice_nats_*`, only with the JetStream sink (the families are absent otherwise).
    package var jetStream: JetStreamStats?

    package init(connectionsOpen: Int, connectionsTotal: UInt64, bufferItems: Int, bufferCapacityItems: Int, pools: [PoolStats], sink: SinkStats,
                acknowledgements: AcknowledgementStats? = nil, jetStream: JetStreamStats? = nil) {
        self.connectionsOpen = connectionsOpen
        self.connectionsTotal = connectionsTotal
        self.bufferItems = bufferItems
        self.bufferCapacityItems = bufferCapacityItems
        self.pools = pools
        self.sink = sink
        self.acknowledgements = acknowledgements
        self.jetStream = jetStream
    }

    /// No service state (before the executable registers its reader, or in tests).
    package static let none = ServiceGauges(
        connectionsOpen: 0, connectionsTotal: 0, bufferItems: 0, bufferCapacityItems: 0, pools: [],
        sink: SinkStats(flushes: 0, itemsWritten: 0, bytesWritten: 0, errors: 0, flushDuration: .empty(upperBounds: [])))
}

/// One object pool: `sluice_pool_gets_total`, `sluice_pool_misses_total`,
/// `sluice_pool_idle_objects`, `sluice_pool_idle_bytes`, labelled `pool="<name>"`. Hits are
/// gets − misses.
package struct PoolStats: Sendable, Equatable {
    package var name: String
    /// Takes from the pool.
    package var gets: UInt64
    /// Takes the pool could not serve from its idle objects (a fresh object was made).
    package var misses: UInt64
    /// Objects waiting in the pool now.
    package var idleObjects: Int
    /// Heap bytes the idle objects keep reserved.
    package var idleBytes: Int

    package init(name: String, gets: UInt64, misses: UInt64, idleObjects: Int, idleBytes: Int = 0) {
        self.name = name
        self.gets = gets
        self.misses = misses
        self.idleObjects = idleObjects
        self.idleBytes = idleBytes
    }
}

/// The sink's totals: `sluice_sink_flushes_total`, `_items_written_total`,
/// `_bytes_written_total`, `_errors_total` and the `_flush_duration_seconds` histogram.
package struct SinkStats: Sendable, Equatable {
    package var flushes: UInt64
    package var itemsWritten: UInt64
    package var bytesWritten: UInt64
    package var errors: UInt64
    package var flushDuration: HistogramSnapshot

    package init(flushes: UInt64, itemsWritten: UInt64, bytesWritten: UInt64, errors: UInt64, flushDuration: HistogramSnapshot) {
        self.flushes = flushes
        self.itemsWritten = itemsWritten
        self.bytesWritten = bytesWritten
        self.errors = errors
        self.flushDuration = flushDuration
    }
}

/// Durable acknowledgements: `sluice_ack_wait_seconds` (admission to the 200, per request),
/// `sluice_ack_pending_requests` and `sluice_ack_timeouts_total` (answered 503 because the
/// items were not stored within `--ack-timeout`).
package struct AcknowledgementStats: Sendable, Equatable {
    package var wait: HistogramSnapshot
    package var pending: Int
    package var timeouts: UInt64

    package init(wait: HistogramSnapshot, pending: Int, timeouts: UInt64) {
        self.wait = wait
        self.pending = pending
        self.timeouts = timeouts
    }
}

/// The JetStream sink's own figures: `sluice_nats_connected`, `sluice_nats_reconnects_total`,
/// `sluice_nats_messages_published_total`, `sluice_nats_duplicate_acks_total` and the
/// `sluice_nats_publish_ack_seconds` histogram.
package struct JetStreamStats: Sendable, Equatable {
    package var isConnected: Bool
    package var reconnects: UInt64
    /// Messages published, republished ones included.
    package var messagesPublished: UInt64
    /// PubAcks the server marked duplicate: a republished message it had already stored.
    package var duplicateAcks: UInt64
    /// Per message, from its publish to its PubAck.
    package var publishAck: HistogramSnapshot

    package init(isConnected: Bool, reconnects: UInt64, messagesPublished: UInt64, duplicateAcks: UInt64, publishAck: HistogramSnapshot) {
        self.isConnected = isConnected
        self.reconnects = reconnects
        self.messagesPublished = messagesPublished
        self.duplicateAcks = duplicateAcks
        self.publishAck = publishAck
    }
}
