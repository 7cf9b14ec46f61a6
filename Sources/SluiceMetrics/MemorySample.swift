/// One reading of the memory monitor: the process, the allocator and the service's gauges at
/// the same moment, with how long taking the reading took.
package struct MemorySample: Sendable, Equatable {
    /// 1 for the monitor's first recorded sample, then +1 per sample (0: read, not recorded).
    package var sequence: UInt64
    /// Wall-clock time of the reading, seconds since the Unix epoch.
    package var unixTimeSeconds: Double
    package var process: ProcessStats
    package var allocator: AllocatorStats
    package var service: ServiceGauges
    /// Time spent taking this sample (the monitor also feeds it to its duration histogram).
    package var durationSeconds: Double

    package init(sequence: UInt64, unixTimeSeconds: Double, process: ProcessStats, allocator: AllocatorStats, service: ServiceGauges, durationSeconds: Double) {
        self.sequence = sequence
        self.unixTimeSeconds = unixTimeSeconds
        self.process = process
        self.allocator = allocator
        self.service = service
        self.durationSeconds = durationSeconds
    }
}
