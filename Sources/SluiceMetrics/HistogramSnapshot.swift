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
public struct HistogramSnapshot: Sendable, Equatable {
    /// Finite upper bounds, ascending; +Inf is implied after the last.
    public let upperBounds: [Double]
    /// Observations ≤ each bound, then the +Inf bucket: `upperBounds.count + 1` entries.
    public let cumulativeCounts: [UInt64]
    /// Sum of all observed values (seconds for duration histograms).
    public let sum: Double

    public init(upperBounds: [Double], cumulativeCounts: [UInt64], sum: Double) {
        precondition(cumulativeCounts.count == upperBounds.count + 1, "HistogramSnapshot needs one count per bound plus +Inf")
        precondition(upperBounds.allSatisfy(\.isFinite), "HistogramSnapshot bounds must be finite (+Inf is implied)")
        precondition(zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 }, "HistogramSnapshot bounds must ascend")
        precondition(zip(cumulativeCounts, cumulativeCounts.dropFirst()).allSatisfy { $0 <= $1 }, "HistogramSnapshot counts must be cumulative")
        self.upperBounds = upperBounds
        self.cumulativeCounts = cumulativeCounts
        self.sum = sum
    }

    /// A histogram with no observations.
    public static func empty(upperBounds: [Double]) -> HistogramSnapshot {
        HistogramSnapshot(upperBounds: upperBounds, cumulativeCounts: Array(repeating: 0, count: upperBounds.count + 1), sum: 0)
    }

    /// Number of observations (the +Inf bucket).
    public var count: UInt64 { cumulativeCounts[cumulativeCounts.count - 1] }
}
