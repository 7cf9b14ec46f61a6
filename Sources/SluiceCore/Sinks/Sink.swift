import Synchronization

/// Where flushed batches go: NDJSON segment files, stdout, or nowhere.
///
/// The flusher calls `write` from its one queue, one batch at a time, and retries the same
/// batch after a thrown error, so a sink must store a batch whole or not at all (`FileSink`
/// truncates a partial batch away; `StdoutSink` cannot and says so in its error). A batch is
/// the slabs of many requests; each slab's records are already rendered, so a sink writes
/// bytes (`ResultSlab.withRecords`) and renders nothing. A sink only reads the slabs; they go
/// back to the pool after `write` returns.
public protocol Sink: AnyObject, Sendable {
    /// Stores every record of every slab of `batch`, in order.
    func write(_ batch: [ResultSlab]) throws(SinkError)
    /// Finishes the sink's files (final names, fsync per policy); later writes throw `.closed`.
    func close() throws(SinkError)
    /// Counters and flush durations.
    var metrics: SinkMetrics { get }
}

/// A sink's counters, shared shape for every sink; read lock-free by the metrics renderer.
public final class SinkMetrics: Sendable {
    // Relaxed is enough: monotonic statistics, no data is published through them.
    private let flushes = Atomic<Int>(0)
    private let itemsWritten = Atomic<Int>(0)
    private let bytesWritten = Atomic<Int>(0)
    private let errors = Atomic<Int>(0)
    /// Duration of each stored batch's `write` (write + fsync); failures are only counted.
    public let flushDurations = DurationHistogram()

    public init() {}

    /// Counter snapshot.
    public struct Counters: Sendable, Equatable {
        /// Batches stored.
        public var flushes: Int
        public var itemsWritten: Int
        public var bytesWritten: Int
        /// `write`, rotation or close calls that threw.
        public var errors: Int
    }

    public var counters: Counters {
        Counters(
            flushes: flushes.load(ordering: .relaxed), itemsWritten: itemsWritten.load(ordering: .relaxed),
            bytesWritten: bytesWritten.load(ordering: .relaxed), errors: errors.load(ordering: .relaxed))
    }

    /// Records a stored batch (for sink implementations).
    public func recordFlush(items: Int, bytes: Int, nanoseconds: UInt64) {
        flushes.add(1, ordering: .relaxed)
        itemsWritten.add(items, ordering: .relaxed)
        bytesWritten.add(bytes, ordering: .relaxed)
        flushDurations.observe(nanoseconds: nanoseconds)
    }

    /// Records a failed write, rotation or close (for sink implementations).
    public func recordError() {
        errors.add(1, ordering: .relaxed)
    }
}

extension Array where Element == ResultSlab {
    /// Items in all the slabs.
    public var itemCount: Int { reduce(0) { $0 + $1.count } }
    /// Rendered record bytes in all the slabs.
    public var byteCount: Int { reduce(0) { $0 + $1.byteCount } }
}
