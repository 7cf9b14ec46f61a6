import Synchronization

/// A fixed-bucket histogram of durations, lock-free, shaped for a Prometheus histogram.
///
/// Buckets are the upper bounds in `boundsSeconds` plus +Inf. `observe` is three relaxed
/// atomic adds; `snapshot()` returns cumulative counts as Prometheus wants them:
/// ```
/// sink.metrics.flushDurations.observe(nanoseconds: elapsed)
/// let s = sink.metrics.flushDurations.snapshot()   // s.cumulativeCounts.last == s.count
/// ```
public final class DurationHistogram: Sendable {
    /// Upper bounds of the finite buckets, in seconds.
    public static let boundsSeconds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    private static let boundsNanoseconds: [UInt64] = boundsSeconds.map { UInt64(($0 * 1e9).rounded()) }

    /// A consistent-enough copy for rendering (each field read once; concurrent observations
    /// may land between reads).
    public struct Snapshot: Sendable, Equatable {
        /// `boundsSeconds`, then +Inf.
        public var upperBoundsSeconds: [Double]
        /// Observations ≤ each bound, cumulative; the last entry is the +Inf bucket.
        public var cumulativeCounts: [Int]
        public var count: Int
        public var sumSeconds: Double
    }

    // 12 finite buckets + Inf. Relaxed is enough: each counter is independent and only read
    // for reporting; a scrape racing an observation may see the bucket before the sum.
    private let buckets: InlineArray<13, Atomic<Int>>
    private let total = Atomic<Int>(0)
    private let sumNanoseconds = Atomic<Int>(0)
    private let lastNanoseconds = Atomic<Int>(0)

    public init() {
        precondition(Self.boundsSeconds.count + 1 == 13, "DurationHistogram bucket storage must match its bounds")
        buckets = InlineArray { _ in Atomic(0) }
    }

    /// Counts one duration.
    public func observe(nanoseconds: UInt64) {
        var index = Self.boundsNanoseconds.count
        for (i, bound) in Self.boundsNanoseconds.enumerated() where nanoseconds <= bound {
            index = i
            break
        }
        let clamped = Int(clamping: nanoseconds)
        buckets[index].add(1, ordering: .relaxed)
        sumNanoseconds.wrappingAdd(clamped, ordering: .relaxed)
        total.add(1, ordering: .relaxed)
        lastNanoseconds.store(clamped, ordering: .relaxed)
    }

    /// The most recent observation, in nanoseconds (0 before any).
    public var lastNanosecondsObserved: Int { lastNanoseconds.load(ordering: .relaxed) }

    public func snapshot() -> Snapshot {
        var cumulative: [Int] = []
        cumulative.reserveCapacity(13)
        var running = 0
        for index in 0..<13 {
            running += buckets[index].load(ordering: .relaxed)
            cumulative.append(running)
        }
        return Snapshot(
            upperBoundsSeconds: Self.boundsSeconds + [.infinity], cumulativeCounts: cumulative,
            count: total.load(ordering: .relaxed),
            sumSeconds: Double(sumNanoseconds.load(ordering: .relaxed)) / 1e9)
    }
}
