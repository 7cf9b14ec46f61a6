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

    public init(process: ProcessStats, allocator: AllocatorStats, service: ServiceGauges, http: HTTPMetricsSnapshot, monitor: MemoryMonitor.Statistics, memory: MemoryGuard.Status) {
        self.process = process
        self.allocator = allocator
        self.service = service
        self.http = http
        self.monitor = monitor
        self.memory = memory
    }

    /// The process, allocator and service parts from one monitor sample.
    public init(sample: MemorySample, http: HTTPMetricsSnapshot, monitor: MemoryMonitor.Statistics, memory: MemoryGuard.Status) {
        self.init(process: sample.process, allocator: sample.allocator, service: sample.service, http: http, monitor: monitor, memory: memory)
    }
}

extension MemoryGuard {
    /// The guard's exported state: `sluice_memory_limit_bytes`, `sluice_memory_shedding`,
    /// `sluice_malloc_trims_total`.
    public struct Status: Sendable, Equatable {
        public var limitBytes: UInt64
        public var isShedding: Bool
        public var trimsTotal: UInt64

        public init(limitBytes: UInt64, isShedding: Bool, trimsTotal: UInt64) {
            self.limitBytes = limitBytes
            self.isShedding = isShedding
            self.trimsTotal = trimsTotal
        }
    }

    /// The current limit, shedding flag and trim count.
    public func status() -> Status {
        Status(limitBytes: limitBytes, isShedding: isShedding, trimsTotal: trimmer.trimsTotal)
    }
}
