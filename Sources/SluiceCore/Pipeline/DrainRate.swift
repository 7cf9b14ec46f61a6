/// The flusher's recent throughput, used to tell a rejected client when to come back.
///
/// Keeps the last `sampleCount` flush attempts as (items written, nanoseconds spent). A failed
/// attempt is recorded with 0 items and the time lost to it (its write plus the backoff that
/// follows), so while the sink is down the rate falls and `Retry-After` grows. A plain value
/// type with no allocation after init; `BatchBuffer` keeps it under its lock.
struct DrainRate {
    static let sampleCount = 16

    private var items: [Int]
    private var nanoseconds: [UInt64]
    private var next = 0
    private var recorded = 0

    init() {
        items = Array(repeating: 0, count: Self.sampleCount)
        nanoseconds = Array(repeating: 0, count: Self.sampleCount)
    }

    /// Records one flush attempt.
    mutating func record(items written: Int, nanoseconds spent: UInt64) {
        items[next] = written
        nanoseconds[next] = spent
        next = (next + 1) % Self.sampleCount
        recorded = min(recorded + 1, Self.sampleCount)
    }

    /// Items per second over the recorded attempts, or nil before any measurement.
    var itemsPerSecond: Double? {
        guard recorded > 0 else { return nil }
        var totalItems = 0
        var totalNanoseconds: UInt64 = 0
        for index in 0..<recorded {
            totalItems += items[index]
            totalNanoseconds &+= nanoseconds[index]
        }
        // A flush faster than the clock's resolution still took some time.
        return Double(totalItems) * 1e9 / Double(max(totalNanoseconds, 1))
    }

    /// Whole seconds until `backlog` items are drained at the measured rate, clamped to
    /// `range`; `defaultSeconds` before any measurement.
    func secondsToDrain(_ backlog: Int, defaultSeconds: Int, range: ClosedRange<Int>) -> Int {
        guard let rate = itemsPerSecond else { return defaultSeconds.clamped(to: range) }
        guard rate > 0 else { return range.upperBound }
        let seconds = (Double(backlog) / rate).rounded(.up)
        guard seconds < Double(range.upperBound) else { return range.upperBound }
        return Int(seconds).clamped(to: range)
    }
}

fileprivate extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
