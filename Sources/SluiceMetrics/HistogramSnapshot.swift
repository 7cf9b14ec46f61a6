import SluiceSupport

/// A histogram's buckets at one moment, cumulative as the Prometheus text format wants them.
///
/// `cumulativeCounts[i]` counts observations ≤ `upperBounds[i]`; the one extra last entry is
/// the +Inf bucket and so the total count. To export a histogram kept elsewhere (the sink's
/// flush durations in SluiceCore), convert its snapshot:
/// ```
/// HistogramSnapshot(upperBounds: [0.001, 0.01], cumulativeCounts: [3, 5, 6], sum: 0.042)
/// ```
/// Bounds that are not finite and strictly ascending, or counts of the wrong length or not
/// cumulative, trap: they would render an exposition Prometheus rejects.
package struct HistogramSnapshot: Sendable, Equatable {
    /// Finite upper bounds, ascending; +Inf is implied after the last.
    package let upperBounds: [Double]
    /// Observations ≤ each bound, then the +Inf bucket: `upperBounds.count + 1` entries.
    package let cumulativeCounts: [UInt64]
    /// Sum of all observed values (seconds for duration histograms).
    package let sum: Double

    package init(upperBounds: [Double], cumulativeCounts: [UInt64], sum: Double) {
        precondition(cumulativeCounts.count == upperBounds.count + 1, "HistogramSnapshot needs one count per bound plus +Inf")
        precondition(upperBounds.allSatisfy(\.isFinite), "HistogramSnapshot bounds must be finite (+Inf is implied)")
        precondition(zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 }, "HistogramSnapshot bounds must ascend")
        precondition(zip(cumulativeCounts, cumulativeCounts.dropFirst()).allSatisfy { $0 <= $1 }, "HistogramSnapshot counts must be cumulative")
        self.upperBounds = upperBounds
        self.cumulativeCounts = cumulativeCounts
        self.sum = sum
    }

    /// A histogram with no observations.
    package static func empty(upperBounds: [Double]) -> HistogramSnapshot {
        HistogramSnapshot(upperBounds: upperBounds, cumulativeCounts: Array(repeating: 0, count: upperBounds.count + 1), sum: 0)
    }

    /// Number of observations (the +Inf bucket).
    package var count: UInt64 { cumulativeCounts[cumulativeCounts.count - 1] }
}

extension DurationBuckets {
    /// Request handling: 50 µs to 5 s. Most sluice requests finish well under a millisecond,
    /// so the low end is fine-grained.
    package static let requestDurations = DurationBuckets(upperBoundsSeconds: [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ])
    /// One monitor sample: 10 µs to 100 ms (the budget for a sample is 1 ms).
    package static let sampleDurations = DurationBuckets(upperBoundsSeconds: [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1,
    ])

    /// The histogram whose slots start at `base`, cumulated, in seconds.
    func snapshot(of slab: CounterSlab, at base: Int) -> HistogramSnapshot {
        HistogramSnapshot(upperBounds: upperBoundsSeconds, cumulativeCounts: cumulativeCounts(in: slab, at: base),
                          sum: Double(sumNanoseconds(in: slab, at: base)) / 1e9)
    }
}
