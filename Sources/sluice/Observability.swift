import Logging
import SluiceAccess
import SluiceCore
import SluiceHTTP
import SluiceMetrics

/// Metrics and the memory guard, wired beside the request path: request counters recorded per
/// response (atomic slots, no locks), a monitor sampling the process, allocator and service on
/// its own timer, and the guard acting on those samples.
final class Observability: RouteObserver {
    /// The paths that get their own metrics label; any other route counts as "other".
    static let routePaths = ["/batch", "/healthz", "/readyz", "/metrics", "/debug/memory"]

    let http: HTTPMetrics
    let memoryGuard: MemoryGuard
    let monitor: MemoryMonitor
    /// Access control, when on: its counters are part of the exposition.
    let access: AccessControl?
    /// Metrics slots: one per `routePaths` entry, then "other" (unmatched requests and
    /// routes without a label of their own).
    private let slots: [HTTPMetrics.Route]

    struct Settings: Sendable {
        /// nil: derive from the cgroup limit; 0: off.
        var memoryLimitBytes: UInt64?
        var monitorInterval: Duration
        /// nil: no idle trim.
        var trimInterval: Duration?
    }

    init(settings: Settings, gauges: @escaping @Sendable () -> ServiceGauges, releasable: [ReleasableMemory] = [],
         access: AccessControl? = nil, onShed: @escaping @Sendable () -> Void, logger: Logger) {
        self.access = access
        let http = HTTPMetrics(routes: Self.routePaths + ["other"], preregisteredStatuses: [200, 503])
        self.http = http
        slots = (Self.routePaths + ["other"]).map { http.route($0) }
        // Pools give back what the last window's load did not use: one window per monitor tick,
        // at least a second, so a bursty load does not free what the next burst takes again.
        let memoryGuard = MemoryGuard(configuration: .init(
            limitBytes: settings.memoryLimitBytes, idleTrimInterval: settings.trimInterval,
            usageWindow: max(.seconds(1), settings.monitorInterval)), releasable: releasable)
        self.memoryGuard = memoryGuard
        let act: @Sendable ([MemoryGuard.Action]) -> Void = { actions in
            for action in actions {
                switch action {
                case .startShedding(let rss, let threshold):
                    logger.warning("memory guard: shedding load", metadata: ["rss": "\(rss)", "threshold": "\(threshold)"])
                    onShed()
                case .stopShedding(let rss, _):
                    logger.notice("memory guard: recovered", metadata: ["rss": "\(rss)"])
                case .stayedUnderThreshold(let rss, let relieved):
                    logger.info("memory guard: released idle memory instead of shedding", metadata: ["rss": "\(rss)", "rss_after": "\(relieved)"])
                case .released(let reason, let bytes):
                    logger.debug("released idle pooled memory", metadata: ["reason": "\(reason.label)", "bytes": "\(bytes)"])
                case .trim(let reason):
                    logger.debug("malloc_trim", metadata: ["reason": "\(reason)"])
                }
            }
        }
        let recheck = MemoryMonitor.Recheck(interval: memoryGuard.configuration.recheckInterval,
                                            isNeeded: { memoryGuard.isShedding },
                                            perform: { act(memoryGuard.recheck(activity: http.requestsTotal)) })
        monitor = MemoryMonitor(configuration: .init(interval: settings.monitorInterval), service: gauges, consumer: { sample in
            act(memoryGuard.handle(residentBytes: sample.process.residentMemoryBytes, activity: http.requestsTotal))
        }, recheck: recheck)
        if memoryGuard.limitBytes > 0 {
            logger.info("memory guard armed", metadata: [
                "limit": "\(memoryGuard.limitBytes)", "shed_above": "\(memoryGuard.shedThresholdBytes)",
                "recover_below": "\(memoryGuard.recoverThresholdBytes)"])
        }
    }

    func slot(forRoutePath path: String) -> Int {
        Self.routePaths.firstIndex(of: path) ?? Self.routePaths.count
    }

    func observe(slot: Int?, status: HTTPStatus, durationNanoseconds: UInt64) {
        http.recordRequest(route: slots[slot ?? Self.routePaths.count], status: status.code, durationNanoseconds: durationNanoseconds)
    }

    /// Counts a processed batch and its rejected items by reason.
    func recordBatch(accepted: Int, rejected: [RejectedItem]) {
        http.recordBatch(acceptedItems: accepted)
        for item in rejected {
            http.recordRejectedItems(item.reason.rejectionReason)
        }
    }

    /// The `/metrics` exposition, from a fresh sample so counters are exact at scrape time.
    func exposition() -> [UInt8] {
        PrometheusExposition.render(MetricsSnapshot(
            sample: monitor.readSample(), http: http.snapshot(), monitor: monitor.statistics(), memory: memoryGuard.status(),
            access: access.map(Self.accessMetrics)))
    }

    private static func accessMetrics(_ access: AccessControl) -> AccessMetrics {
        let statistics = access.statistics()
        return AccessMetrics(
            missingCredentials: statistics.missingCredentials, invalidCredentials: statistics.invalidCredentials,
            tenants: statistics.tenants.map { .init(name: $0.name, itemsAccepted: $0.itemsAccepted, throttled: $0.throttled) })
    }
}
