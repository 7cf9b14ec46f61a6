/// The bucket bounds of a duration histogram and the slot arithmetic that records it in a
/// `CounterSlab`: one slot per finite bucket, one for +Inf, one for the sum in nanoseconds.
///
/// Buckets are stored per bucket (not cumulative) so an observation is two relaxed adds
/// (its bucket and the sum); the count is the sum of the buckets, computed when rendering.
/// ```
/// let buckets = DurationBuckets(upperBoundsSeconds: [0.001, 0.01])
/// let slab = CounterSlab(count: buckets.slotCount)
/// buckets.observe(nanoseconds: 2_000_000, in: slab, at: 0)   // lands in le="0.01"
/// ```
public struct DurationBuckets: Sendable, Equatable {
    /// Finite upper bounds in seconds, ascending.
    public let upperBoundsSeconds: [Double]
    private let upperBoundsNanoseconds: [UInt64]

    /// Request handling: 50 µs to 5 s. Most sluice requests finish well under a millisecond,
    /// so the low end is fine-grained.
    public static let requestDurations = DurationBuckets(upperBoundsSeconds: [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ])
    /// One monitor sample: 10 µs to 100 ms (the budget for a sample is 1 ms).
    public static let sampleDurations = DurationBuckets(upperBoundsSeconds: [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1,
    ])

    /// Bounds must be positive, finite and ascending (traps otherwise).
    public init(upperBoundsSeconds: [Double]) {
        precondition(upperBoundsSeconds.allSatisfy { $0.isFinite && $0 > 0 }, "DurationBuckets bounds must be positive and finite")
        precondition(zip(upperBoundsSeconds, upperBoundsSeconds.dropFirst()).allSatisfy { $0 < $1 }, "DurationBuckets bounds must ascend")
        self.upperBoundsSeconds = upperBoundsSeconds
        upperBoundsNanoseconds = upperBoundsSeconds.map { UInt64(($0 * 1e9).rounded()) }
    }

    /// Slots one histogram takes: the finite buckets, +Inf, and the sum.
    var slotCount: Int { upperBoundsNanoseconds.count + 2 }

    /// The bucket a duration falls in (`upperBoundsSeconds.count` is +Inf).
    @inline(__always)
    func bucketIndex(nanoseconds: UInt64) -> Int {
        // Linear: at most ~16 compares, and typical durations sit in the first few buckets.
        var index = 0
        while index < upperBoundsNanoseconds.count, nanoseconds > upperBoundsNanoseconds[index] {
            index += 1
        }
        return index
    }

    /// Records one duration in the histogram whose slots start at `base`.
    @inline(__always)
    func observe(nanoseconds: UInt64, in slab: CounterSlab, at base: Int) {
        slab.add(1, at: base + bucketIndex(nanoseconds: nanoseconds))
        slab.add(nanoseconds, at: base + upperBoundsNanoseconds.count + 1)
    }

    /// The histogram whose slots start at `base`, cumulated, in seconds.
    func snapshot(of slab: CounterSlab, at base: Int) -> HistogramSnapshot {
        var cumulative: [UInt64] = []
        cumulative.reserveCapacity(upperBoundsNanoseconds.count + 1)
        var running: UInt64 = 0
        for bucket in 0...upperBoundsNanoseconds.count {
            running &+= slab.load(at: base + bucket)
            cumulative.append(running)
        }
        let sumNanoseconds = slab.load(at: base + upperBoundsNanoseconds.count + 1)
        return HistogramSnapshot(upperBounds: upperBoundsSeconds, cumulativeCounts: cumulative, sum: Double(sumNanoseconds) / 1e9)
    }
}
