/// The bucket bounds of a duration histogram and the slot arithmetic that records it in a
/// `CounterSlab`: one slot per finite bucket, one for +Inf, one for the sum in nanoseconds.
/// The one histogram primitive: the request metrics keep many histograms in one slab, a
/// sink's flush durations one in its own (`DurationHistogram`).
///
/// Buckets are stored per bucket (not cumulative) so an observation is two relaxed adds
/// (its bucket and the sum); the count is the sum of the buckets, computed when read.
/// ```
/// let buckets = DurationBuckets(upperBoundsSeconds: [0.001, 0.01])
/// let slab = CounterSlab(count: buckets.slotCount)
/// buckets.observe(nanoseconds: 2_000_000, in: slab, at: 0)   // lands in le="0.01"
/// buckets.cumulativeCounts(in: slab, at: 0)                   // [0, 1, 1]
/// ```
package struct DurationBuckets: Sendable, Equatable {
    /// Finite upper bounds in seconds, ascending.
    package let upperBoundsSeconds: [Double]
    private let upperBoundsNanoseconds: [UInt64]

    /// Bounds must be positive, finite and ascending (traps otherwise).
    package init(upperBoundsSeconds: [Double]) {
        precondition(upperBoundsSeconds.allSatisfy { $0.isFinite && $0 > 0 }, "DurationBuckets bounds must be positive and finite")
        precondition(zip(upperBoundsSeconds, upperBoundsSeconds.dropFirst()).allSatisfy { $0 < $1 }, "DurationBuckets bounds must ascend")
        self.upperBoundsSeconds = upperBoundsSeconds
        upperBoundsNanoseconds = upperBoundsSeconds.map { UInt64(($0 * 1e9).rounded()) }
    }

    /// Slots one histogram takes: the finite buckets, +Inf, and the sum.
    package var slotCount: Int { upperBoundsNanoseconds.count + 2 }

    /// The bucket a duration falls in: the first whose bound it does not exceed
    /// (`upperBoundsSeconds.count` is +Inf).
    @inline(__always)
    package func bucketIndex(nanoseconds: UInt64) -> Int {
        // Linear: at most ~16 compares, and typical durations sit in the first few buckets.
        var index = 0
        while index < upperBoundsNanoseconds.count, nanoseconds > upperBoundsNanoseconds[index] {
            index += 1
        }
        return index
    }

    /// Records one duration in the histogram whose slots start at `base`.
    @inline(__always)
    package func observe(nanoseconds: UInt64, in slab: CounterSlab, at base: Int) {
        slab.add(1, at: base + bucketIndex(nanoseconds: nanoseconds))
        slab.add(nanoseconds, at: base + upperBoundsNanoseconds.count + 1)
    }

    /// The histogram whose slots start at `base`, cumulated: observations ≤ each bound, then
    /// the +Inf bucket (the count). Each slot is read once; observations racing the read may
    /// land in a later bucket's read but not an earlier one's.
    package func cumulativeCounts(in slab: CounterSlab, at base: Int) -> [UInt64] {
        var cumulative: [UInt64] = []
        cumulative.reserveCapacity(upperBoundsNanoseconds.count + 1)
        var running: UInt64 = 0
        for bucket in 0...upperBoundsNanoseconds.count {
            running &+= slab.load(at: base + bucket)
            cumulative.append(running)
        }
        return cumulative
    }

    /// The sum of the observed durations of the histogram whose slots start at `base`, in
    /// nanoseconds (wrapping after 2^64 ns, 584 years).
    package func sumNanoseconds(in slab: CounterSlab, at base: Int) -> UInt64 {
        slab.load(at: base + upperBoundsNanoseconds.count + 1)
    }
}
