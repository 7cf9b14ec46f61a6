import Histogram

/// What one worker observed; merged into the run's result when the workers are done.
struct WorkerTally: Sendable {
    /// Latency in microseconds, 3 significant digits, up to one hour.
    var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: Self.maxMicroseconds,
                                    numberOfSignificantValueDigits: .three)
    /// Responses by HTTP status; index 0 collects statuses outside 1...599.
    var statusCounts = [Int](repeating: 0, count: 600)
    var errorCounts = [TransferErrorKind: Int]()
    var acknowledgedItems = 0
    /// 200 responses whose body carried `"accepted"`.
    var acknowledgedFromBody = 0
    /// 200 responses counted as the batch's item count because the body had no `"accepted"`.
    var acknowledgedAssumed = 0
    /// 200 responses whose items could not be counted (custom body, no `"accepted"`).
    var acknowledgedUnknown = 0
    var connectionsOpened = 0
    var lastCompletionNanoseconds: Int64 = 0
    var unsent = 0

    static let maxMicroseconds: UInt64 = 3_600_000_000

    /// Requests answered with any HTTP status.
    private(set) var completed = 0
    /// Requests that got no response.
    private(set) var failed = 0

    /// Records one HTTP response and its latency.
    mutating func recordResponse(status: Int, latencyNanoseconds: Int64) {
        statusCounts[(1...599).contains(status) ? status : 0] += 1
        completed += 1
        let microseconds = UInt64(max(0, (latencyNanoseconds + 500) / 1_000))
        _ = latency.record(min(microseconds, Self.maxMicroseconds))
    }

    /// Records a request that got no response.
    mutating func recordError(_ kind: TransferErrorKind) {
        errorCounts[kind, default: 0] += 1
        failed += 1
    }

    /// Adds another worker's observations.
    mutating func merge(_ other: WorkerTally) {
        latency.add(other.latency)
        for index in statusCounts.indices { statusCounts[index] += other.statusCounts[index] }
        errorCounts.merge(other.errorCounts, uniquingKeysWith: +)
        completed += other.completed
        failed += other.failed
        acknowledgedItems += other.acknowledgedItems
        acknowledgedFromBody += other.acknowledgedFromBody
        acknowledgedAssumed += other.acknowledgedAssumed
        acknowledgedUnknown += other.acknowledgedUnknown
        connectionsOpened += other.connectionsOpened
        lastCompletionNanoseconds = max(lastCompletionNanoseconds, other.lastCompletionNanoseconds)
        unsent += other.unsent
    }
}
