import Synchronization

/// The bounded in-memory queue between request handlers and the flusher, bounded by item
/// count and by bytes.
///
/// A request hands over its whole batch, one `ResultSlab`, with one lock acquisition, all or
/// nothing:
/// ```
/// switch buffer.admit(slab) {
/// case .admitted(let isFlushDue, let sequence):                  // answer 200 (or, with
///     if isFlushDue { flusher.nudge() }                           // --ack durable, once the
///                                                                 // flusher stored `sequence`)
/// case .full(let seconds): pool.give(slab)    // answer 503, Retry-After: seconds
/// case .tooLarge: pool.give(slab)             // can never fit: answer 413
/// }
/// ```
/// The flusher takes everything at once with `swapOut(into:)`, trading its empty array of
/// slabs for the full one, so neither side allocates in steady state. Every admitted batch
/// gets the next admission sequence number, and `swapOut` says through which number it took
/// the buffer, so "the flush that held batch N was stored" is one comparison. When the buffer is full
/// nothing of the batch is kept and the caller still owns the slab.
public final class BatchBuffer: Sendable {
    /// Bounds and thresholds.
    public struct Configuration: Sendable {
        /// Most items held; `admit` answers `.full` beyond it.
        public var maxItems: Int
        /// Most bytes held: the heap the buffered slabs keep reserved (`ResultSlab.retainedBytes`:
        /// arena and result block capacity, not only the rendered records), so the bound is
        /// what the buffer really costs in memory however the batches are sized.
        public var maxBytes: Int
        /// Occupancy at which `admit` reports `isFlushDue`, so the flusher is nudged.
        public var flushThresholdItems: Int
        /// `Retry-After` before the first flush has been measured.
        public var defaultRetryAfterSeconds: Int

        public init(
            maxItems: Int = 100_000, maxBytes: Int = 256 << 20, flushThresholdItems: Int = 10_000,
            defaultRetryAfterSeconds: Int = 1
        ) {
            self.maxItems = maxItems
            self.maxBytes = maxBytes
            self.flushThresholdItems = flushThresholdItems
            self.defaultRetryAfterSeconds = defaultRetryAfterSeconds
        }
    }

    /// What `admit` did with a batch.
    public enum Admission: Equatable, Sendable {
        /// Every result moved in. `isFlushDue`: occupancy reached the flush threshold.
        /// `sequence`: the batch's admission number (1, 2, ...; 0 for an empty batch, which
        /// is not kept and has nothing to wait for).
        case admitted(isFlushDue: Bool, sequence: UInt64)
        /// Nothing moved in: no room now. Retry after the estimated drain time (1...60 s).
        case full(retryAfterSeconds: Int)
        /// Nothing moved in: the batch alone exceeds the buffer's bounds and never will fit.
        case tooLarge(items: Int, bytes: Int)
    }

    /// What `swapOut` took.
    public struct Handoff: Sendable, Equatable {
        /// Items now in the flusher's array.
        public var items: Int
        /// The admission sequence of the last batch taken (every batch numbered up to it has
        /// now left the buffer); 0 when nothing was ever admitted.
        public var throughSequence: UInt64
    }

    /// Counter and occupancy snapshot for metrics.
    public struct Statistics: Sendable, Equatable {
        public var admittedBatches: Int
        public var admittedItems: Int
        /// Batches (and their items) refused with `.full` or `.tooLarge`.
        public var rejectedBatches: Int
        public var rejectedItems: Int
        /// Current occupancy.
        public var items: Int
        public var bytes: Int
    }

    /// `Retry-After` bounds, in seconds.
    public static let retryAfterRange = 1...60

    private struct State {
        var slabs: [ResultSlab]
        var items = 0
        var bytes = 0
        var drainRate = DrainRate()
        /// Admission number of the last admitted batch.
        var lastSequence: UInt64 = 0
    }

    public let configuration: Configuration
    private let state: Mutex<State>
    // Relaxed is enough: statistics for metrics. The results themselves are handed over under
    // `state`'s lock; nothing is published through these counters.
    private let admittedBatches = Atomic<Int>(0)
    private let admittedItems = Atomic<Int>(0)
    private let rejectedBatches = Atomic<Int>(0)
    private let rejectedItems = Atomic<Int>(0)
    // Mirrors of the occupancy, stored under the lock so metrics and the flusher read them
    // without locking.
    private let items = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)

    /// The array capacity both sides of the double buffer start with; they grow to the peak
    /// number of slabs per flush and stay there.
    public var initialSwapCapacity: Int { min(configuration.maxItems, 4096) }

    public init(configuration: Configuration = Configuration()) {
        precondition(configuration.maxItems > 0, "BatchBuffer maxItems must be positive")
        precondition(configuration.maxBytes > 0, "BatchBuffer maxBytes must be positive")
        precondition(configuration.flushThresholdItems > 0, "BatchBuffer flushThresholdItems must be positive")
        self.configuration = configuration
        var slabs: [ResultSlab] = []
        slabs.reserveCapacity(min(configuration.maxItems, 4096))
        state = Mutex(State(slabs: slabs))
    }

    /// The Retry-After a refused batch would get now: the time to drain the current backlog at
    /// the measured drain rate (1...60 s). One lock acquisition; for early refusals.
    public var retryAfterSeconds: Int {
        let limits = configuration
        return state.withLock { state in
            state.drainRate.secondsToDrain(state.items, defaultSeconds: limits.defaultRetryAfterSeconds,
                                           range: Self.retryAfterRange)
        }
    }

    /// Moves `slab` into the buffer, or not. On `.admitted` the buffer owns the slab;
    /// otherwise the caller keeps it. One lock acquisition per call; an empty slab is not
    /// kept (nothing to write) and counts as admitted.
    public func admit(_ slab: ResultSlab) -> Admission {
        let count = slab.count
        guard count > 0 else { return .admitted(isFlushDue: false, sequence: 0) }
        let slabBytes = slab.retainedBytes
        let limits = configuration
        guard count <= limits.maxItems, slabBytes <= limits.maxBytes else {
            countRejection(items: count)
            return .tooLarge(items: count, bytes: slabBytes)
        }
        let admission = state.withLock { state -> Admission in
            guard state.items + count <= limits.maxItems, state.bytes + slabBytes <= limits.maxBytes else {
                let seconds = state.drainRate.secondsToDrain(
                    state.items, defaultSeconds: limits.defaultRetryAfterSeconds, range: Self.retryAfterRange)
                return .full(retryAfterSeconds: seconds)
            }
            state.slabs.append(slab)
            state.lastSequence += 1
            state.items += count
            state.bytes += slabBytes
            items.store(state.items, ordering: .relaxed)
            bytes.store(state.bytes, ordering: .relaxed)
            return .admitted(isFlushDue: state.items >= limits.flushThresholdItems, sequence: state.lastSequence)
        }
        if case .admitted = admission {
            admittedBatches.add(1, ordering: .relaxed)
            admittedItems.add(count, ordering: .relaxed)
        } else {
            countRejection(items: count)
        }
        return admission
    }

    /// Trades `spare` (empty, ideally with capacity) for every slab the buffer holds; returns
    /// how many items are now in `spare` and through which admission sequence. Used by the
    /// flusher.
    @discardableResult
    public func swapOut(into spare: inout [ResultSlab]) -> Handoff {
        precondition(spare.isEmpty, "BatchBuffer.swapOut needs an empty array: the previous batch was not given back")
        return state.withLock { state in
            swap(&state.slabs, &spare)
            defer {
                state.items = 0
                state.bytes = 0
                items.store(0, ordering: .relaxed)
                bytes.store(0, ordering: .relaxed)
            }
            return Handoff(items: state.items, throughSequence: state.lastSequence)
        }
    }

    /// Records one flush attempt for the `Retry-After` estimate: items written (0 for a
    /// failed attempt) and the time it cost.
    public func recordDrain(items written: Int, nanoseconds: UInt64) {
        state.withLock { $0.drainRate.record(items: written, nanoseconds: nanoseconds) }
    }

    /// Items held now, read without locking.
    public var itemCount: Int { items.load(ordering: .relaxed) }
    /// Item bytes held now, read without locking.
    public var byteCount: Int { bytes.load(ordering: .relaxed) }

    /// A snapshot of the counters and occupancy.
    public var statistics: Statistics {
        Statistics(
            admittedBatches: admittedBatches.load(ordering: .relaxed),
            admittedItems: admittedItems.load(ordering: .relaxed),
            rejectedBatches: rejectedBatches.load(ordering: .relaxed),
            rejectedItems: rejectedItems.load(ordering: .relaxed),
            items: items.load(ordering: .relaxed), bytes: bytes.load(ordering: .relaxed))
    }

    private func countRejection(items count: Int) {
        rejectedBatches.add(1, ordering: .relaxed)
        rejectedItems.add(count, ordering: .relaxed)
    }
}
