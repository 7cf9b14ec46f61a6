/// One reading of the memory monitor: the process, the allocator and the service's gauges at
/// the same moment, with how long taking the reading took.
public struct MemorySample: Sendable, Equatable {
    /// 1 for the monitor's first recorded sample, then +1 per sample (0: read, not recorded).
    public var sequence: UInt64
    /// Wall-clock time of the reading, seconds since the Unix epoch.
    public var unixTimeSeconds: Double
    public var process: ProcessStats
    public var allocator: AllocatorStats
    public var service: ServiceGauges
    /// Time spent taking this sample (the monitor also feeds it to its duration histogram).
    public var durationSeconds: Double

    public init(sequence: UInt64, unixTimeSeconds: Double, process: ProcessStats, allocator: AllocatorStats, service: ServiceGauges, durationSeconds: Double) {
        self.sequence = sequence
        self.unixTimeSeconds = unixTimeSeconds
        self.process = process
        self.allocator = allocator
        self.service = service
        self.durationSeconds = durationSeconds
    }
}
