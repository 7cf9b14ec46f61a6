import SluiceSupport

/// Renders a `MetricsSnapshot` as the `GET /metrics` body: every family of the DESIGN.md
/// "Metrics" contract, in text exposition format 0.0.4, each with `# HELP` and `# TYPE`, also
/// when its value is 0 (labelled families show their pre-registered series).
///
/// ```
/// response.headers.contentType = PrometheusExposition.contentType
/// response.body.write(PrometheusExposition.render(snapshot))
/// ```
package enum PrometheusExposition {
    /// The Content-Type of the exposition.
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition as UTF-8 bytes.
    package static func render(_ snapshot: MetricsSnapshot) -> [UInt8] {
        var writer = PrometheusTextWriter()
        writeProcess(snapshot.process, to: &writer)
        writeHTTP(snapshot.http, service: snapshot.service, to: &writer)
        writeItems(snapshot.http, to: &writer)
        writeService(snapshot.service, to: &writer)
        writeAllocator(snapshot.allocator, memory: snapshot.memory, to: &writer)
        writeMemory(snapshot.memory, http: snapshot.http, monitor: snapshot.monitor, to: &writer)
        if let access = snapshot.access { writeAccess(access, to: &writer) }
        return writer.bytes
    }

    /// The exposition as a String.
    package static func renderString(_ snapshot: MetricsSnapshot) -> String {
        String(decoding: render(snapshot), as: UTF8.self)
    }

    private static func writeProcess(_ process: ProcessStats, to writer: inout PrometheusTextWriter) {
        writer.family("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
        writer.sample("process_cpu_seconds_total", value: process.cpuSeconds)
        writer.family("process_open_fds", .gauge, help: "Number of open file descriptors.")
        writer.sample("process_open_fds", value: process.openFDs)
        writer.family("process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
        writer.sample("process_max_fds", value: process.maxFDs)
        writer.family("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
        writer.sample("process_virtual_memory_bytes", value: process.virtualMemoryBytes)
        writer.family("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
        writer.sample("process_resident_memory_bytes", value: process.residentMemoryBytes)
        writer.family("process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")
        writer.sample("process_start_time_seconds", value: process.startTimeSeconds)
        writer.family("process_threads", .gauge, help: "Number of OS threads in the process.")
        writer.sample("process_threads", value: process.threads)
    }

    private static func writeHTTP(_ http: HTTPMetricsSnapshot, service: ServiceGauges, to writer: inout PrometheusTextWriter) {
        writer.family("sluice_http_requests_total", .counter, help: "HTTP requests answered, by route and status code.")
        for request in http.requests {
            writer.sample("sluice_http_requests_total", labels: ["route": request.route, "status": String(request.status)], value: request.count)
        }
        writer.family("sluice_http_request_duration_seconds", .histogram, help: "Time to handle an HTTP request, by route.")
        for route in http.durations {
            writer.histogram("sluice_http_request_duration_seconds", labels: ["route": route.route], route.histogram)
        }
        writer.family("sluice_http_connections_open", .gauge, help: "Client connections open now.")
        writer.sample("sluice_http_connections_open", value: service.connectionsOpen)
        writer.family("sluice_http_connections_total", .counter, help: "Client connections accepted.")
        writer.sample("sluice_http_connections_total", value: service.connectionsTotal)
    }

    private static func writeItems(_ http: HTTPMetricsSnapshot, to writer: inout PrometheusTextWriter) {
        writer.family("sluice_items_accepted_total", .counter, help: "Batch items accepted into the batch buffer.")
        writer.sample("sluice_items_accepted_total", value: http.itemsAccepted)
        writer.family("sluice_items_rejected_total", .counter, help: "Batch items rejected, by reason.")
        for (reason, count) in zip(ItemRejectionReason.allCases, http.itemsRejected) {
            writer.sample("sluice_items_rejected_total", labels: ["reason": reason.label], value: count)
        }
        writer.family("sluice_batches_total", .counter, help: "Batches processed (requests whose items were judged).")
        writer.sample("sluice_batches_total", value: http.batches)
    }

    private static func writeService(_ service: ServiceGauges, to writer: inout PrometheusTextWriter) {
        writer.family("sluice_batch_buffer_items", .gauge, help: "Items in the batch buffer waiting to be flushed.")
        writer.sample("sluice_batch_buffer_items", value: service.bufferItems)
        writer.family("sluice_batch_buffer_capacity_items", .gauge, help: "Items the batch buffer can hold.")
        writer.sample("sluice_batch_buffer_capacity_items", value: service.bufferCapacityItems)
        writer.family("sluice_pool_gets_total", .counter, help: "Objects taken from the pool.")
        for pool in service.pools { writer.sample("sluice_pool_gets_total", labels: ["pool": pool.name], value: pool.gets) }
        writer.family("sluice_pool_misses_total", .counter, help: "Takes the pool could not serve from idle objects.")
        for pool in service.pools { writer.sample("sluice_pool_misses_total", labels: ["pool": pool.name], value: pool.misses) }
        writer.family("sluice_pool_idle_objects", .gauge, help: "Objects idle in the pool.")
        for pool in service.pools { writer.sample("sluice_pool_idle_objects", labels: ["pool": pool.name], value: pool.idleObjects) }
        writer.family("sluice_pool_idle_bytes", .gauge, help: "Heap bytes the pool's idle objects keep reserved.")
        for pool in service.pools { writer.sample("sluice_pool_idle_bytes", labels: ["pool": pool.name], value: pool.idleBytes) }
        let sink = service.sink
        writer.family("sluice_sink_flushes_total", .counter, help: "Batch buffer flushes written to the sink.")
        writer.sample("sluice_sink_flushes_total", value: sink.flushes)
        writer.family("sluice_sink_items_written_total", .counter, help: "Items written to the sink.")
        writer.sample("sluice_sink_items_written_total", value: sink.itemsWritten)
        writer.family("sluice_sink_bytes_written_total", .counter, help: "Bytes written to the sink.")
        writer.sample("sluice_sink_bytes_written_total", value: sink.bytesWritten)
        writer.family("sluice_sink_errors_total", .counter, help: "Sink writes that failed.")
        writer.sample("sluice_sink_errors_total", value: sink.errors)
        writer.family("sluice_sink_flush_duration_seconds", .histogram, help: "Time to write one flush to the sink.")
        writer.histogram("sluice_sink_flush_duration_seconds", sink.flushDuration)
        if let jetStream = service.jetStream { writeJetStream(jetStream, to: &writer) }
        guard let acks = service.acknowledgements else { return }
        writer.family("sluice_ack_wait_seconds", .histogram, help: "Durable acknowledgements: time from admission to the 200 (items stored).")
        writer.histogram("sluice_ack_wait_seconds", acks.wait)
        writer.family("sluice_ack_pending_requests", .gauge, help: "Requests waiting for their items to be stored.")
        writer.sample("sluice_ack_pending_requests", value: acks.pending)
        writer.family("sluice_ack_timeouts_total", .counter, help: "Requests answered 503 because their items were not stored within --ack-timeout.")
        writer.sample("sluice_ack_timeouts_total", value: acks.timeouts)
    }

    private static func writeJetStream(_ jetStream: JetStreamStats, to writer: inout PrometheusTextWriter) {
        writer.family("sluice_nats_connected", .gauge, help: "1 while the JetStream sink is connected to a NATS server.")
        writer.sample("sluice_nats_connected", value: jetStream.isConnected ? 1 : 0)
        writer.family("sluice_nats_reconnects_total", .counter, help: "Connections to NATS re-established after a loss.")
        writer.sample("sluice_nats_reconnects_total", value: jetStream.reconnects)
        writer.family("sluice_nats_messages_published_total", .counter, help: "Messages published to JetStream, republished ones included.")
        writer.sample("sluice_nats_messages_published_total", value: jetStream.messagesPublished)
        writer.family("sluice_nats_duplicate_acks_total", .counter, help: "PubAcks marked duplicate: republished messages the stream already held.")
        writer.sample("sluice_nats_duplicate_acks_total", value: jetStream.duplicateAcks)
        writer.family("sluice_nats_publish_ack_seconds", .histogram, help: "Time from publishing a message to taking its PubAck.")
        writer.histogram("sluice_nats_publish_ack_seconds", jetStream.publishAck)
    }

    private static func writeAllocator(_ heap: AllocatorStats, memory: MemoryGuard.Status, to writer: inout PrometheusTextWriter) {
        writer.family("sluice_heap_inuse_bytes", .gauge, help: "Heap bytes in allocated chunks (glibc mallinfo2 uordblks + hblkhd).")
        writer.sample("sluice_heap_inuse_bytes", value: heap.inUseBytes)
        writer.family("sluice_heap_free_bytes", .gauge, help: "Heap bytes in free chunks kept by glibc (mallinfo2 fordblks).")
        writer.sample("sluice_heap_free_bytes", value: heap.freeBytes)
        writer.family("sluice_heap_releasable_bytes", .gauge, help: "Free bytes at the top of the main heap that malloc_trim can release (mallinfo2 keepcost).")
        writer.sample("sluice_heap_releasable_bytes", value: heap.releasableBytes)
        writer.family("sluice_heap_allocations_total", .counter, help: "Heap allocations (malloc, calloc, realloc, aligned) since start.")
        writer.sample("sluice_heap_allocations_total", value: heap.allocations)
        writer.family("sluice_heap_frees_total", .counter, help: "Heap frees since start.")
        writer.sample("sluice_heap_frees_total", value: heap.frees)
        writer.family("sluice_heap_allocated_bytes_total", .counter, help: "Bytes requested by heap allocations since start.")
        writer.sample("sluice_heap_allocated_bytes_total", value: heap.allocatedBytes)
        writer.family("sluice_heap_allocation_counting", .gauge, help: "1 when the malloc interposer counts allocations, 0 when the heap totals are not collected.")
        writer.sample("sluice_heap_allocation_counting", value: heap.isCountingAllocations ? 1 : 0)
        writer.family("sluice_malloc_trims_total", .counter, help: "malloc_trim calls made to return free heap memory to the system.")
        writer.sample("sluice_malloc_trims_total", value: memory.trimsTotal)
    }

    private static func writeAccess(_ access: AccessMetrics, to writer: inout PrometheusTextWriter) {
        writer.family("sluice_auth_failures_total", .counter, help: "Requests to /batch refused with 401, by reason (missing or invalid credentials).")
        writer.sample("sluice_auth_failures_total", labels: ["reason": "missing"], value: access.missingCredentials)
        writer.sample("sluice_auth_failures_total", labels: ["reason": "invalid"], value: access.invalidCredentials)
        writer.family("sluice_tenant_items_accepted_total", .counter, help: "Batch items accepted into the batch buffer, by tenant of the auth file.")
        for tenant in access.tenants {
            writer.sample("sluice_tenant_items_accepted_total", labels: ["tenant": tenant.name], value: tenant.itemsAccepted)
        }
        writer.family("sluice_tenant_throttled_total", .counter, help: "Requests refused with 429 because the tenant was over its items/s quota.")
        for tenant in access.tenants {
            writer.sample("sluice_tenant_throttled_total", labels: ["tenant": tenant.name], value: tenant.throttled)
        }
    }

    private static func writeMemory(_ memory: MemoryGuard.Status, http: HTTPMetricsSnapshot, monitor: MemoryMonitor.Statistics, to writer: inout PrometheusTextWriter) {
        writer.family("sluice_load_shed_total", .counter, help: "Requests refused with 503 to protect the service, by reason.")
        for (reason, count) in zip(LoadShedReason.allCases, http.loadShed) {
            writer.sample("sluice_load_shed_total", labels: ["reason": reason.label], value: count)
        }
        writer.family("sluice_memory_limit_bytes", .gauge, help: "Resident memory limit the memory guard enforces (0: none).")
        writer.sample("sluice_memory_limit_bytes", value: memory.limitBytes)
        writer.family("sluice_memory_shedding", .gauge, help: "1 while the memory guard refuses new batches.")
        writer.sample("sluice_memory_shedding", value: memory.isShedding ? 1 : 0)
        writer.family("sluice_load_shed_seconds_total", .counter, help: "Time the memory guard spent refusing new batches, in seconds.")
        writer.sample("sluice_load_shed_seconds_total", value: memory.sheddingSecondsTotal)
        writer.family("sluice_memory_released_bytes_total", .counter, help: "Idle pooled bytes freed to keep memory down, by pool and reason.")
        for released in memory.released {
            writer.sample("sluice_memory_released_bytes_total", labels: ["pool": released.pool, "reason": released.reason.label], value: released.bytes)
        }
        writer.family("sluice_monitor_samples_total", .counter, help: "Memory monitor samples taken.")
        writer.sample("sluice_monitor_samples_total", value: monitor.samplesTotal)
        writer.family("sluice_monitor_samples_dropped_total", .counter, help: "Memory monitor samples dropped because their consumer fell behind.")
        writer.sample("sluice_monitor_samples_dropped_total", value: monitor.samplesDroppedTotal)
        writer.family("sluice_monitor_sample_duration_seconds", .histogram, help: "Time to take one memory monitor sample.")
        writer.histogram("sluice_monitor_sample_duration_seconds", monitor.sampleDuration)
    }
}
