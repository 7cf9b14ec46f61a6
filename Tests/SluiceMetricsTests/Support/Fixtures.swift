@testable import SluiceMetrics

/// Fixed inputs shared by the exposition and debug-document tests.
enum Fixtures {
    /// Every family DESIGN.md "Metrics" names: the contract /metrics must always show.
    static let contractFamilies = [
        "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
        "process_cpu_seconds_total", "process_start_time_seconds", "process_threads",
        "sluice_http_requests_total", "sluice_http_request_duration_seconds", "sluice_http_connections_open",
        "sluice_http_connections_total", "sluice_items_accepted_total", "sluice_items_rejected_total", "sluice_batches_total",
        "sluice_batch_buffer_items", "sluice_batch_buffer_capacity_items",
        "sluice_pool_gets_total", "sluice_pool_misses_total", "sluice_pool_idle_objects", "sluice_pool_idle_bytes",
        "sluice_sink_flushes_total", "sluice_sink_items_written_total", "sluice_sink_bytes_written_total",
        "sluice_sink_errors_total", "sluice_sink_flush_duration_seconds",
        "sluice_heap_inuse_bytes", "sluice_heap_free_bytes", "sluice_heap_allocations_total", "sluice_heap_frees_total",
        "sluice_heap_allocated_bytes_total", "sluice_malloc_trims_total",
        "sluice_load_shed_total", "sluice_memory_limit_bytes", "sluice_monitor_samples_total",
        "sluice_monitor_samples_dropped_total", "sluice_monitor_sample_duration_seconds",
    ]

    static let process = ProcessStats(
        residentMemoryBytes: 52_428_800, virtualMemoryBytes: 1_073_741_824, threads: 6, openFDs: 12,
        maxFDs: 1_048_576, cpuSeconds: 12.5, startTimeSeconds: 1_764_213_600.25)

    static let allocator = AllocatorStats(
        inUseBytes: 8_388_608, freeBytes: 1_048_576, releasableBytes: 131_072, mmappedBytes: 0,
        allocations: 1000, frees: 900, allocatedBytes: 65_536, isCountingAllocations: true)

    static let service = ServiceGauges(
        connectionsOpen: 3, connectionsTotal: 17, bufferItems: 250, bufferCapacityItems: 100_000,
        pools: [PoolStats(name: "results", gets: 500, misses: 5, idleObjects: 64, idleBytes: 1_048_576), PoolStats(name: "odd \"pool\"\\\nname", gets: 0, misses: 0, idleObjects: 0)],
        sink: SinkStats(
            flushes: 4, itemsWritten: 950, bytesWritten: 123_456, errors: 1,
            flushDuration: HistogramSnapshot(upperBounds: [0.001, 0.01], cumulativeCounts: [1, 3, 4], sum: 0.0425)))

    static let http = HTTPMetricsSnapshot(
        requests: [
            .init(route: "/batch", status: 200, count: 40),
            .init(route: "/batch", status: 503, count: 2),
            .init(route: "/metrics", status: 200, count: 1),
        ],
        durations: [
            .init(route: "/batch", histogram: HistogramSnapshot(upperBounds: [0.0001, 0.001], cumulativeCounts: [30, 41, 42], sum: 0.0105)),
            .init(route: "/metrics", histogram: HistogramSnapshot(upperBounds: [0.0001, 0.001], cumulativeCounts: [0, 1, 1], sum: 0.0002)),
        ],
        itemsAccepted: 950, batches: 40,
        itemsRejected: [0, 0, 0, 50, 0, 0, 0, 0, 0, 0],
        loadShed: [2, 0, 0])

    static let monitor = MemoryMonitor.Statistics(
        samplesTotal: 60, samplesDroppedTotal: 1,
        sampleDuration: HistogramSnapshot(upperBounds: [0.0001, 0.001], cumulativeCounts: [58, 60, 60], sum: 0.003))

    static let memory = MemoryGuard.Status(limitBytes: 536_870_912, isShedding: false, trimsTotal: 3, sheddingSecondsTotal: 1.75, released: [
        .init(pool: "result_slab", reason: .unused, bytes: 4_194_304), .init(pool: "result_slab", reason: .memoryLimit, bytes: 0),
        .init(pool: "io_buffer", reason: .unused, bytes: 65_536), .init(pool: "io_buffer", reason: .memoryLimit, bytes: 0),
    ])

    static let snapshot = MetricsSnapshot(process: process, allocator: allocator, service: service, http: http, monitor: monitor, memory: memory)

    static let sample = MemorySample(sequence: 7, unixTimeSeconds: 1_764_213_700.5, process: process, allocator: allocator, service: service, durationSeconds: 0.000042)
}
