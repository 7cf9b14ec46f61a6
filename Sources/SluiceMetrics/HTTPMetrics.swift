import SluiceSupport

/// Request-path counters: `sluice_http_requests_total{route,status}`,
/// `sluice_http_request_duration_seconds{route}`, and the item, batch and load-shedding totals.
///
/// Every series lives in one preallocated `CounterSlab`: the route set is fixed at init and a
/// status code indexes its own slot (100...599), so recording is index arithmetic plus two to
/// four relaxed atomic adds: no lock, no dictionary, no string, no allocation.
/// ```
/// let http = HTTPMetrics(routes: ["/batch", "/metrics", "/healthz", "/readyz", "/debug/memory", "unmatched"])
/// let batchRoute = http.route("/batch")            // once, when building the router
/// http.recordRequest(route: batchRoute, status: 200, durationNanoseconds: elapsed)
/// http.recordBatch(acceptedItems: 950)
/// http.recordRejectedItems(.missingID, count: 50)
/// ```
/// Never label by raw request path: send unknown paths to a catch-all route such as
/// "unmatched", or the series count would grow with whatever clients send. An unknown route
/// name in `route(_:)` and a status outside 100...599 trap (programmer errors).
package final class HTTPMetrics: Sendable {
    /// A route's slot, resolved once by `route(_:)`.
    package struct Route: Sendable, Hashable {
        fileprivate let index: Int
    }

    /// Route labels, in the order given at init (and rendered).
    package let routeNames: [String]
    /// Bucket bounds of the request duration histograms.
    package let durationBuckets: DurationBuckets
    /// Statuses exported at 0 for every route before they occur, so `rate()` sees their first
    /// increment; other statuses appear once counted.
    package let preregisteredStatuses: [Int]

    static let statusCodes = 100...599
    private let slab: CounterSlab
    private let histogramsBase: Int
    private let acceptedSlot: Int
    private let batchesSlot: Int
    private let rejectedBase: Int
    private let shedBase: Int

    /// Route names must be unique and non-empty (traps otherwise).
    package init(routes: [String], durationBuckets: DurationBuckets = .requestDurations, preregisteredStatuses: [Int] = [200]) {
        precondition(!routes.isEmpty, "HTTPMetrics needs at least one route")
        precondition(Set(routes).count == routes.count, "HTTPMetrics route names must be unique")
        precondition(preregisteredStatuses.allSatisfy(Self.statusCodes.contains), "HTTPMetrics statuses must be in 100...599")
        routeNames = routes
        self.durationBuckets = durationBuckets
        self.preregisteredStatuses = Array(Set(preregisteredStatuses)).sorted()
        histogramsBase = routes.count * Self.statusCodes.count
        acceptedSlot = histogramsBase + routes.count * durationBuckets.slotCount
        batchesSlot = acceptedSlot + 1
        rejectedBase = batchesSlot + 1
        shedBase = rejectedBase + ItemRejectionReason.allCases.count
        slab = CounterSlab(count: shedBase + LoadShedReason.allCases.count)
    }

    /// The handle of a route given at init. Call it while wiring, not per request.
    package func route(_ name: String) -> Route {
        guard let index = routeNames.firstIndex(of: name) else {
            preconditionFailure("HTTPMetrics has no route \"\(name)\"; routes are \(routeNames)")
        }
        return Route(index: index)
    }

    /// Counts one answered request and its handling time.
    @inline(__always)
    package func recordRequest(route: Route, status: Int, durationNanoseconds: UInt64) {
        precondition(Self.statusCodes.contains(status), "HTTP status out of 100...599")
        slab.add(1, at: route.index * Self.statusCodes.count + (status - Self.statusCodes.lowerBound))
        durationBuckets.observe(nanoseconds: durationNanoseconds, in: slab, at: histogramsBase + route.index * durationBuckets.slotCount)
    }

    /// Counts one processed batch and its accepted items.
    @inline(__always)
    package func recordBatch(acceptedItems: Int) {
        slab.add(1, at: batchesSlot)
        if acceptedItems > 0 { slab.add(UInt64(acceptedItems), at: acceptedSlot) }
    }

    /// Counts rejected items of one reason.
    @inline(__always)
    package func recordRejectedItems(_ reason: ItemRejectionReason, count: Int = 1) {
        if count > 0 { slab.add(UInt64(count), at: rejectedBase + reason.rawValue) }
    }

    /// Counts one request refused to protect the service (answered 503).
    @inline(__always)
    package func recordLoadShed(_ reason: LoadShedReason) {
        slab.add(1, at: shedBase + reason.rawValue)
    }

    /// All requests counted so far, over every route and status. The memory guard uses it as
    /// its activity signal for idle trimming.
    package var requestsTotal: UInt64 {
        (0..<histogramsBase).reduce(0) { $0 &+ slab.load(at: $1) }
    }

    /// A copy of every series for rendering.
    package func snapshot() -> HTTPMetricsSnapshot {
        var requests: [HTTPMetricsSnapshot.RequestCount] = []
        var durations: [HTTPMetricsSnapshot.RouteDurations] = []
        for (routeIndex, name) in routeNames.enumerated() {
            for status in Self.statusCodes {
                let count = slab.load(at: routeIndex * Self.statusCodes.count + (status - Self.statusCodes.lowerBound))
                if count > 0 || preregisteredStatuses.contains(status) {
                    requests.append(.init(route: name, status: status, count: count))
                }
            }
            let histogram = durationBuckets.snapshot(of: slab, at: histogramsBase + routeIndex * durationBuckets.slotCount)
            durations.append(.init(route: name, histogram: histogram))
        }
        return HTTPMetricsSnapshot(
            requests: requests, durations: durations,
            itemsAccepted: slab.load(at: acceptedSlot), batches: slab.load(at: batchesSlot),
            itemsRejected: ItemRejectionReason.allCases.map { slab.load(at: rejectedBase + $0.rawValue) },
            loadShed: LoadShedReason.allCases.map { slab.load(at: shedBase + $0.rawValue) })
    }
}
