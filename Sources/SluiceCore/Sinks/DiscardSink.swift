import SluiceSupport
import Synchronization

/// A sink that takes every batch and throws it away: the whole pipeline minus the I/O, for
/// benchmarks and A/B runs (records are rendered at admission, on the request threads, as for
/// every sink). It never fails (except after `close()`).
public final class DiscardSink: Sink {
    public let metrics = SinkMetrics()
    private let isClosed = Atomic<Bool>(false)

    public init() {}

    public func write(_ batch: [ResultSlab]) throws(SinkError) {
        guard !batch.isEmpty else { return }
        let start = SystemClock.monotonicNanoseconds()
        guard !isClosed.load(ordering: .relaxed) else {
            metrics.recordError()
            throw .closed
        }
        metrics.recordFlush(items: batch.itemCount, bytes: batch.byteCount, nanoseconds: SystemClock.monotonicNanoseconds() &- start)
    }

    public func close() throws(SinkError) {
        isClosed.store(true, ordering: .relaxed)
    }
}
