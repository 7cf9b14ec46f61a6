/// Everything `GET /metrics` reports, gathered by the executable at scrape time and handed to
/// `PrometheusExposition.render`. A plain value: tests build one by hand for golden output.
/// ```
/// let snapshot = MetricsSnapshot(sample: monitor.readSample(), http: http.snapshot(),
///                                monitor: monitor.statistics(), memory: memoryGuard.status())
/// ```
public struct MetricsSnapshot: Sendable, Equatable {
    public var process: ProcessStats
    public var allocator: AllocatorStats
    public var service: ServiceGauges
    public var http: HTTPMetricsSnapshot
    public var monitor: MemoryMonitor.Statistics
    public var memory: MemoryGuard.Status
    /// nil when access control is off (its families are then left out).
    public var access: AccessMetrics?

    public init(process: ProcessStats, allocator: AllocatorStats, service: ServiceGauges, http: HTTPMetricsSnapshot, monitor: MemoryMonitor.Statistics, memory: MemoryGuard.Status,
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
    public init(sample: MemorySample, http: HTTPMetricsSnapshot, monitor: MemoryMonitor.Statistics, memory: MemoryGuard.Status,
                access: AccessMetrics? = nil) {
        self.init(process: sample.process, allocator: sample.allocator, service: sample.service, http: http, monitor: monitor, memory: memory,
                  access: access)
    }
}

extension MemoryGuard {
    /// The guard's exported state: `sluice_memory_limit_bytes`, `sluice_memory_shedding`,
    /// `sluice_malloc_trims_total`, `sluice_load_shed_seconds_total`,
    /// `sluice_memory_released_bytes_total`.
    public struct Status: Sendable, Equatable {
        public var limitBytes: UInt64
        public var isShedding: Bool
        public var trimsTotal: UInt64
        /// Time spent shedding since start, the current episode included.
        public var sheddingSecondsTotal: Double
        /// Bytes released per pool and reason.
        public var released: [Released]

        /// One series of `sluice_memory_released_bytes_total`.
        public struct Released: Sendable, Equatable {
            public var pool: String
            public var reason: MemoryReleaseReason
            public var bytes: UInt64

            public init(pool: String, reason: MemoryReleaseReason, bytes: UInt64) {
                self.pool = pool
                self.reason = reason
                self.bytes = bytes
            }
        }

        public init(limitBytes: UInt64, isShedding: Bool, trimsTotal: UInt64, sheddingSecondsTotal: Double = 0, released: [Released] = []) {
            self.limitBytes = limitBytes
            self.isShedding = isShedding
            self.trimsTotal = trimsTotal
            self.sheddingSecondsTotal = sheddingSecondsTotal
            self.released = released
        }
    }

    /// The current limit, shedding flag, trim count, time shed and bytes released.
    public func status(now: ContinuousClock.Instant = .now) -> Status {
        let shed = sheddingDuration(now: now).components
        return Status(limitBytes: limitBytes, isShedding: isShedding, trimsTotal: trimmer.trimsTotal,
                      sheddingSecondsTotal: Double(shed.seconds) + Double(shed.attoseconds) / 1e18, released: releasedBytesTotals())
    }
}
