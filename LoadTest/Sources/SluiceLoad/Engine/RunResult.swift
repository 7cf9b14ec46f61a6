import Histogram

/// What a run measured, ready for the report.
public struct RunResult: Sendable {
    /// The plan that ran.
    public var plan: LoadPlan
    /// From the start of the run to the last completion.
    public var elapsedSeconds: Double
    /// Latency in microseconds: from send (closed model) or due time (open model) to the
    /// complete response.
    public var latencyMicroseconds: Histogram<UInt64>
    /// Responses by HTTP status.
    public var statusCounts: [Int: Int]
    /// Requests without a response, by kind.
    public var errorCounts: [TransferErrorKind: Int]
    /// Requests answered with any status.
    public var completedRequests: Int
    /// Requests without a response.
    public var failedRequests: Int
    /// Items acknowledged by 200 responses (see ``acknowledgedFromBody``).
    public var acknowledgedItems: Int
    /// 200 responses whose `"accepted"` was read from the body.
    public var acknowledgedFromBody: Int
    /// 200 responses without `"accepted"`, counted as the batch's item count.
    public var acknowledgedAssumed: Int
    /// 200 responses whose items could not be counted.
    public var acknowledgedUnknown: Int
    /// TCP connections curl had to open (1 per connection when keep-alive holds).
    public var connectionsOpened: Int
    /// Open model: requests that were due but never sent before the run ended.
    public var unsentRequests: Int
    /// The run was cut short (SIGINT).
    public var wasInterrupted: Bool

    /// Responses with status `status`.
    public func count(status: Int) -> Int { statusCounts[status] ?? 0 }

    /// Responses per second.
    public var requestsPerSecond: Double { elapsedSeconds > 0 ? Double(completedRequests) / elapsedSeconds : 0 }

    /// Acknowledged items per second.
    public var itemsPerSecond: Double { elapsedSeconds > 0 ? Double(acknowledgedItems) / elapsedSeconds : 0 }

    /// Latency at `percentile` (0...100), in milliseconds.
    public func latencyMilliseconds(atPercentile percentile: Double) -> Double {
        latencyMicroseconds.totalCount == 0 ? 0 : Double(latencyMicroseconds.valueAtPercentile(percentile)) / 1_000
    }

    /// The largest latency recorded, in milliseconds.
    public var maxLatencyMilliseconds: Double {
        latencyMicroseconds.totalCount == 0 ? 0 : Double(latencyMicroseconds.max) / 1_000
    }
}
