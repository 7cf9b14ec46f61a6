/// Everything `GET /metrics` reports, gathered by the executable at scrape time and handed to
/// `PrometheusExposition.render`. A plain value: tests build one by hand for golden output.
/// ```
/// let snapshot = MetricsSnapshot(sample: monitor.readSample(), http: http.snapshot(),
///                                monitor: monitor.statistics(), memory: memoryGuard.status())
/// ```
package struct MetricsSnapshot: Sendable, Equatable {
    package var process: ProcessStats
    package var allocator: AllocatorStats
    package var service: ServiceGauges
    package var http: HTTPMetricsSnapshot
    package var monitor: MemoryMonitor.Statistics
    package var memory: MemoryGuard.Status
    /// nil when access control is off (its families are then left out).
    package var access: AccessMetrics?

    package init(process: ProcessStats, allocator: AllocatorStats, service: ServiceGauges, http: HTTPMetricsSnapshot, monitor: MemoryMonitor.Statistics, memory: MemoryGuard.Status,
                access: AccessMetrics? = nil) {
        self.process = process
        self.allocator = allocator
        self.service = service
        self.http = http
        self.monitor = monitor
        self.memory = memory
        self.access = access
    }

    /// The process, allocator and service parts from one monitor sample.
    package init(sample: MemorySample, http: HTTPMetricsSnapshot, monitor: MemoryMonitor.Statistics, memory: MemoryGuard.Status,
                access: AccessMetrics? = nil) {
        self.init(process: sample.process, allocator: sample.allocator, service: sample.service, http: http, monitor: monitor, memory: memory,
                  access: access)
    }
}

extension MemoryGuard {
    /// The guard's exported state: `sluice_memory_limit_bytes`, `sluice_memory_shedding`,
    /// `sluice_malloc_trims_total`, `sluice_load_shed_seconds_total`,
    /// `sluice_memory_released_bytes_total`.
    package struct Status: Sendable, Equatable {
        package var limitBytes: UInt64
        package var isShedding: Bool
        package var trimsTotal: UInt64
        /// Time spent shedding since start, the current episode included.
        package var sheddingSecondsTotal: Double
        /// Bytes released per pool and reason.
        package var released: [Released]

        /// One series of `sluice_memory_released_bytes_total`.
        package struct Released: Sendable, Equatable {
            package var pool: String
            package var reason: MemoryReleaseReason
            package var bytes: UInt64

            package init(pool: String, reason: MemoryReleaseReason, bytes: UInt64) {
                self.pool = pool
                self.reason = reason
                self.bytes = bytes
            }
        }

        package init(limitBytes: UInt64, isShedding: Bool, trimsTotal: UInt64, sheddingSecondsTotal: Double = 0, released: [Released] = []) {
            self.limitBytes = limitBytes
            self.isShedding = isShedding
            self.trimsTotal = trimsTotal
            self.sheddingSecondsTotal = sheddingSecondsTotal
            self.released = released
        }
    }

    /// The current limit, shedding flag, trim count, time shed and bytes released.
    package func status(now: ContinuousClock.Instant = .now) -> Status {
        let shed = sheddingDuration(now: now).components
        return Status(limitBytes: limitBytes, isShedding: isShedding, trimsTotal: trimmer.trimsTotal,
                      sheddingSecondsTotal: Double(shed.seconds) + Double(shed.attoseconds) / 1e18, released: releasedBytesTotals())
    }
}
