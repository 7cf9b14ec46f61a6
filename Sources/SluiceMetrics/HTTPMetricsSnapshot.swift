import SluiceSupport

/// The request-path totals at one moment, as `HTTPMetrics.snapshot()` copies them (or a test
/// writes them by hand for golden output).
package struct HTTPMetricsSnapshot: Sendable, Equatable {
    /// `sluice_http_requests_total{route,status}`.
    package struct RequestCount: Sendable, Equatable {
        package var route: String
        package var status: Int
        package var count: UInt64

        package init(route: String, status: Int, count: UInt64) {
            self.route = route
            self.status = status
            self.count = count
        }
    }

    /// `sluice_http_request_duration_seconds{route}`.
    package struct RouteDurations: Sendable, Equatable {
        package var route: String
        package var histogram: HistogramSnapshot

        package init(route: String, histogram: HistogramSnapshot) {
            self.route = route
            self.histogram = histogram
        }
    }

    /// Rendered in this order (HTTPMetrics orders by route, then status).
    package var requests: [RequestCount]
    package var durations: [RouteDurations]
    package var itemsAccepted: UInt64
    package var batches: UInt64
    /// One count per `ItemRejectionReason.allCases`, in that order.
    package var itemsRejected: [UInt64]
    /// One count per `LoadShedReason.allCases`, in that order.
    package var loadShed: [UInt64]

    /// Per-reason arrays of the wrong length trap.
    package init(requests: [RequestCount], durations: [RouteDurations], itemsAccepted: UInt64, batches: UInt64, itemsRejected: [UInt64], loadShed: [UInt64]) {
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
