import SluiceSupport
import Synchronization

/// A fixed-bucket histogram of durations, lock-free, shaped for a Prometheus histogram: the
/// shared `DurationBuckets` primitive over a `CounterSlab` of its own.
///
/// Buckets are the upper bounds in `boundsSeconds` plus +Inf. `observe` is three relaxed
/// atomic operations; `snapshot()` returns cumulative counts as Prometheus wants them:
/// ```
/// sink.metrics.flushDurations.observe(nanoseconds: elapsed)
/// let s = sink.metrics.flushDurations.snapshot()   // s.cumulativeCounts.last == s.count
/// ```
public final class DurationHistogram: Sendable {
    /// Upper bounds of the finite buckets, in seconds.
    public static let boundsSeconds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    private static let buckets = DurationBuckets(upperBoundsSeconds: boundsSeconds)

    /// A consistent-enough copy for rendering (each slot read once; concurrent observations
    /// may land between reads).
    public struct Snapshot: Sendable, Equatable {
        /// `boundsSeconds`, then +Inf.
        public var upperBoundsSeconds: [Double]
        /// Observations ≤ each bound, cumulative; the last entry is the +Inf bucket.
        public var cumulativeCounts: [Int]
        public var count: Int
        public var sumSeconds: Double
    }

    private let slab = CounterSlab(count: DurationHistogram.buckets.slotCount)
    // Relaxed is enough: read only for reporting, nothing is published through it.
    private let lastNanoseconds = Atomic<Int>(0)

    public init() {}

    /// Counts one duration.
    public func observe(nanoseconds: UInt64) {
        Self.buckets.observe(nanoseconds: nanoseconds, in: slab, at: 0)
        lastNanoseconds.store(Int(clamping: nanoseconds), ordering: .relaxed)
    }

    /// The most recent observation, in nanoseconds (0 before any).
    public var lastNanosecondsObserved: Int { lastNanoseconds.load(ordering: .relaxed) }

    public func snapshot() -> Snapshot {
        let cumulative = Self.buckets.cumulativeCounts(in: slab, at: 0).map { Int(clamping: $0) }
        return Snapshot(
            upperBoundsSeconds: Self.boundsSeconds + [.infinity], cumulativeCounts: cumulative,
            count: cumulative[cumulative.count - 1],
            sumSeconds: Double(Self.buckets.sumNanoseconds(in: slab, at: 0)) / 1e9)
    }
}
