import Testing
@testable import SluiceMetrics

@Suite struct ExpositionGoldenTests {
    @Test func fixedSnapshot_RendersGoldenText() {
        #expect(PrometheusExposition.renderString(Fixtures.snapshot) == Self.golden)
    }

    @Test func contentType_IsTextFormat004() {
        #expect(PrometheusExposition.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }

    /// Reviewed by hand: HELP/TYPE per family, label escaping (the odd pool name), cumulative
    /// buckets ending in +Inf equal to _count, pre-registered reasons at 0.
    static let golden = #"""
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 12
# HELP process_max_fds Maximum number of open file descriptors.
# TYPE process_max_fds gauge
process_max_fds 1048576
# HELP process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE process_virtual_memory_bytes gauge
process_virtual_memory_bytes 1073741824
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 52428800
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1764213600.25
# HELP process_threads Number of OS threads in the process.
# TYPE process_threads gauge
process_threads 6
# HELP sluice_http_requests_total HTTP requests answered, by route and status code.
# TYPE sluice_http_requests_total counter
sluice_http_requests_total{route="/batch",status="200"} 40
sluice_http_requests_total{route="/batch",status="503"} 2
sluice_http_requests_total{route="/metrics",status="200"} 1
# HELP sluice_http_request_duration_seconds Time to handle an HTTP request, by route.
# TYPE sluice_http_request_duration_seconds histogram
sluice_http_request_duration_seconds_bucket{route="/batch",le="0.0001"} 30
sluice_http_request_duration_seconds_bucket{route="/batch",le="0.001"} 41
sluice_http_request_duration_seconds_bucket{route="/batch",le="+Inf"} 42
sluice_http_request_duration_seconds_sum{route="/batch"} 0.0105
sluice_http_request_duration_seconds_count{route="/batch"} 42
sluice_http_request_duration_seconds_bucket{route="/metrics",le="0.0001"} 0
sluice_http_request_duration_seconds_bucket{route="/metrics",le="0.001"} 1
sluice_http_request_duration_seconds_bucket{route="/metrics",le="+Inf"} 1
sluice_http_request_duration_seconds_sum{route="/metrics"} 0.0002
sluice_http_request_duration_seconds_count{route="/metrics"} 1
# HELP sluice_http_connections_open Client connections open now.
# TYPE sluice_http_connections_open gauge
sluice_http_connections_open 3
# HELP sluice_http_connections_total Client connections accepted.
# TYPE sluice_http_connections_total counter
sluice_http_connections_total 17
# HELP sluice_items_accepted_total Batch items accepted into the batch buffer.
# TYPE sluice_items_accepted_total counter
sluice_items_accepted_total 950
# HELP sluice_items_rejected_total Batch items rejected, by reason.
# TYPE sluice_items_rejected_total counter
sluice_items_rejected_total{reason="not_object"} 0
sluice_items_rejected_total{reason="invalid_json"} 0
sluice_items_rejected_total{reason="duplicate_field"} 0
sluice_items_rejected_total{reason="missing_id"} 50
sluice_items_rejected_total{reason="bad_id"} 0
sluice_items_rejected_total{reason="id_length"} 0
sluice_items_rejected_total{reason="missing_data"} 0
sluice_items_rejected_total{reason="bad_data"} 0
sluice_items_rejected_total{reason="bad_data_string"} 0
sluice_items_rejected_total{reason="bad_metadata"} 0
# HELP sluice_batches_total Batches processed (requests whose items were judged).
# TYPE sluice_batches_total counter
sluice_batches_total 40
# HELP sluice_batch_buffer_items Items in the batch buffer waiting to be flushed.
# TYPE sluice_batch_buffer_items gauge
sluice_batch_buffer_items 250
# HELP sluice_batch_buffer_capacity_items Items the batch buffer can hold.
# TYPE sluice_batch_buffer_capacity_items gauge
sluice_batch_buffer_capacity_items 100000
# HELP sluice_pool_gets_total Objects taken from the pool.
# TYPE sluice_pool_gets_total counter
sluice_pool_gets_total{pool="results"} 500
sluice_pool_gets_total{pool="odd \"pool\"\\\nname"} 0
# HELP sluice_pool_misses_total Takes the pool could not serve from idle objects.
# TYPE sluice_pool_misses_total counter
sluice_pool_misses_total{pool="results"} 5
sluice_pool_misses_total{pool="odd \"pool\"\\\nname"} 0
# HELP sluice_pool_idle_objects Objects idle in the pool.
# TYPE sluice_pool_idle_objects gauge
sluice_pool_idle_objects{pool="results"} 64
sluice_pool_idle_objects{pool="odd \"pool\"\\\nname"} 0
# HELP sluice_pool_idle_bytes Heap bytes the pool's idle objects keep reserved.
# TYPE sluice_pool_idle_bytes gauge
sluice_pool_idle_bytes{pool="results"} 1048576
sluice_pool_idle_bytes{pool="odd \"pool\"\\\nname"} 0
# HELP sluice_sink_flushes_total Batch buffer flushes written to the sink.
# TYPE sluice_sink_flushes_total counter
sluice_sink_flushes_total 4
# HELP sluice_sink_items_written_total Items written to the sink.
# TYPE sluice_sink_items_written_total counter
sluice_sink_items_written_total 950
# HELP sluice_sink_bytes_written_total Bytes written to the sink.
# TYPE sluice_sink_bytes_written_total counter
sluice_sink_bytes_written_total 123456
# HELP sluice_sink_errors_total Sink writes that failed.
# TYPE sluice_sink_errors_total counter
sluice_sink_errors_total 1
# HELP sluice_sink_flush_duration_seconds Time to write one flush to the sink.
# TYPE sluice_sink_flush_duration_seconds histogram
sluice_sink_flush_duration_seconds_bucket{le="0.001"} 1
sluice_sink_flush_duration_seconds_bucket{le="0.01"} 3
sluice_sink_flush_duration_seconds_bucket{le="+Inf"} 4
sluice_sink_flush_duration_seconds_sum 0.0425
sluice_sink_flush_duration_seconds_count 4
# HELP sluice_heap_inuse_bytes Heap bytes in allocated chunks (glibc mallinfo2 uordblks + hblkhd).
# TYPE sluice_heap_inuse_bytes gauge
sluice_heap_inuse_bytes 8388608
# HELP sluice_heap_free_bytes Heap bytes in free chunks kept by glibc (mallinfo2 fordblks).
# TYPE sluice_heap_free_bytes gauge
sluice_heap_free_bytes 1048576
# HELP sluice_heap_releasable_bytes Free bytes at the top of the main heap that malloc_trim can release (mallinfo2 keepcost).
# TYPE sluice_heap_releasable_bytes gauge
sluice_heap_releasable_bytes 131072
# HELP sluice_heap_allocations_total Heap allocations (malloc, calloc, realloc, aligned) since start.
# TYPE sluice_heap_allocations_total counter
sluice_heap_allocations_total 1000
# HELP sluice_heap_frees_total Heap frees since start.
# TYPE sluice_heap_frees_total counter
sluice_heap_frees_total 900
# HELP sluice_heap_allocated_bytes_total Bytes requested by heap allocations since start.
# TYPE sluice_heap_allocated_bytes_total counter
sluice_heap_allocated_bytes_total 65536
# HELP sluice_heap_allocation_counting 1 when the malloc interposer counts allocations, 0 when the heap totals are not collected.
# TYPE sluice_heap_allocation_counting gauge
sluice_heap_allocation_counting 1
# HELP sluice_malloc_trims_total malloc_trim calls made to return free heap memory to the system.
# TYPE sluice_malloc_trims_total counter
sluice_malloc_trims_total 3
# HELP sluice_load_shed_total Requests refused with 503 to protect the service, by reason.
# TYPE sluice_load_shed_total counter
sluice_load_shed_total{reason="buffer_full"} 2
sluice_load_shed_total{reason="memory_limit"} 0
sluice_load_shed_total{reason="draining"} 0
# HELP sluice_memory_limit_bytes Resident memory limit the memory guard enforces (0: none).
# TYPE sluice_memory_limit_bytes gauge
sluice_memory_limit_bytes 536870912
# HELP sluice_memory_shedding 1 while the memory guard refuses new batches.
# TYPE sluice_memory_shedding gauge
sluice_memory_shedding 0
# HELP sluice_load_shed_seconds_total Time the memory guard spent refusing new batches, in seconds.
# TYPE sluice_load_shed_seconds_total counter
sluice_load_shed_seconds_total 1.75
# HELP sluice_memory_released_bytes_total Idle pooled bytes freed to keep memory down, by pool and reason.
# TYPE sluice_memory_released_bytes_total counter
sluice_memory_released_bytes_total{pool="result_slab",reason="unused"} 4194304
sluice_memory_released_bytes_total{pool="result_slab",reason="memory_limit"} 0
sluice_memory_released_bytes_total{pool="io_buffer",reason="unused"} 65536
sluice_memory_released_bytes_total{pool="io_buffer",reason="memory_limit"} 0
# HELP sluice_monitor_samples_total Memory monitor samples taken.
# TYPE sluice_monitor_samples_total counter
sluice_monitor_samples_total 60
# HELP sluice_monitor_samples_dropped_total Memory monitor samples dropped because their consumer fell behind.
# TYPE sluice_monitor_samples_dropped_total counter
sluice_monitor_samples_dropped_total 1
# HELP sluice_monitor_sample_duration_seconds Time to take one memory monitor sample.
# TYPE sluice_monitor_sample_duration_seconds histogram
sluice_monitor_sample_duration_seconds_bucket{le="0.0001"} 58
sluice_monitor_sample_duration_seconds_bucket{le="0.001"} 60
sluice_monitor_sample_duration_seconds_bucket{le="+Inf"} 60
sluice_monitor_sample_duration_seconds_sum 0.003
sluice_monitor_sample_duration_seconds_count 60

"""#
}
