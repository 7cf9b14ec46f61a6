import Synchronization

/// A sink that renders every batch as NDJSON and throws the bytes away: the whole pipeline
/// minus the I/O, for benchmarks and A/B runs. It never fails (except after `close()`).
public final class DiscardSink: Sink {
    public let metrics = SinkMetrics()
    // Guards the reusable renderer; only the flusher writes, so it is never contended.
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var renderer = NDJSONRenderer()
        var isClosed = false
    }

    public init() {}

    public func write(_ batch: [ProcessResult]) throws(SinkError) {
        guard !batch.isEmpty else { return }
        let start = SystemClock.monotonicNanoseconds()
        let rendered = state.withLock { state -> Int? in
            guard !state.isClosed else { return nil }
            var next = 0
            var bytes = 0
            while next < batch.count {
                state.renderer.renderChunk(of: batch, from: &next)
                bytes += state.renderer.count
            }
            return bytes
        }
        guard let rendered else {
            metrics.recordError()
            throw .closed
        }
        metrics.recordFlush(items: batch.count, bytes: rendered, nanoseconds: SystemClock.monotonicNanoseconds() &- start)
    }

    public func close() throws(SinkError) {
        state.withLock { $0.isClosed = true }
    }
}
