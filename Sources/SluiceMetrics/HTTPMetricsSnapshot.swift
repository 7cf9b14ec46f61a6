/// The request-path totals at one moment, as `HTTPMetrics.snapshot()` copies them (or a test
/// writes them by hand for golden output).
public struct HTTPMetricsSnapshot: Sendable, Equatable {
    /// `sluice_http_requests_total{route,status}`.
    public struct RequestCount: Sendable, Equatable {
        public var route: String
        public var status: Int
        public var count: UInt64

        public init(route: String, status: Int, count: UInt64) {
            self.route = route
            self.status = status
            self.count = count
        }
    }

    /// `sluice_http_request_duration_seconds{route}`.
    public struct RouteDurations: Sendable, Equatable {
        public var route: String
        public var histogram: HistogramSnapshot

        public init(route: String, histogram: HistogramSnapshot) {
            self.route = route
            self.histogram = histogram
        }
    }

    /// Rendered in this order (HTTPMetrics orders by route, then status).
    public var requests: [RequestCount]
    public var durations: [RouteDurations]
    public var itemsAccepted: UInt64
    public var batches: UInt64
    /// One count per `ItemRejectionReason.allCases`, in that order.
    public var itemsRejected: [UInt64]
    /// One count per `LoadShedReason.allCases`, in that order.
    public var loadShed: [UInt64]

    /// Per-reason arrays of the wrong length trap.
    public init(requests: [RequestCount], durations: [RouteDurations], itemsAccepted: UInt64, batches: UInt64, itemsRejected: [UInt64], loadShed: [UInt64]) {
        precondition(itemsRejected.count == ItemRejectionReason.allCases.count, "one rejected count per ItemRejectionReason")
        precondition(loadShed.count == LoadShedReason.allCases.count, "one load-shed count per LoadShedReason")
        self.requests = requests
        self.durations = durations
        self.itemsAccepted = itemsAccepted
        self.batches = batches
        self.itemsRejected = itemsRejected
        self.loadShed = loadShed
    }
}
