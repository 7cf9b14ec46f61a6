import Foundation
import SluiceTestSupport
import Testing

/// /metrics, /debug/memory and the memory guard on the real process.
@Suite(.serialized) struct MetricsEndpointTests {
    static func value(_ exposition: String, _ series: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    static func post(_ body: String) -> String {
        "POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test func countersMove_WhenARealBatchIsPosted() throws {
        let sluice = try SluiceProcess(arguments: ["--sink", "discard", "--flush-interval", "50ms"])
        let before = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(before.status == 200)
        #expect(before.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
        let accepted0 = Self.value(before.bodyText, "sluice_items_accepted_total") ?? -1
        let response = try sluice.request(Self.post(#"[{"id":"a","data":{}},{"id":"b","data":{}},{"id":"","data":{}},{"data":{}}]"#))
        #expect(response.status == 200)
        // Wait (bounded) for the flusher to write the batch; every scrape before the last is counted.
        var after = ""
        var scrapes = 0
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            after = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").bodyText
            scrapes += 1
            if Self.value(after, "sluice_sink_items_written_total") == 2 { break }
            usleep(20_000)
        } while ContinuousClock.now < deadline
        #expect(Self.value(after, "sluice_items_accepted_total") == accepted0 + 2)
        #expect(Self.value(after, #"sluice_items_rejected_total{reason="id_length"}"#) == 1)
        #expect(Self.value(after, #"sluice_items_rejected_total{reason="missing_id"}"#) == 1)
        #expect(Self.value(after, "sluice_batches_total") == 1)
        #expect(Self.value(after, #"sluice_http_requests_total{route="/batch",status="200"}"#) == 1)
        #expect(Self.value(after, #"sluice_http_requests_total{route="/metrics",status="200"}"#) == Double(scrapes))
        #expect(Self.value(after, "sluice_sink_items_written_total") == 2)
        #expect((Self.value(after, "process_resident_memory_bytes") ?? 0) > 1_000_000)
        if BuildFlavor.isThreadSanitized {
            // ThreadSanitizer owns malloc, so the counting interposer is compiled out.
            #expect(Self.value(after, "sluice_heap_allocation_counting") == 0)
        } else {
            #expect((Self.value(after, "sluice_heap_allocations_total") ?? 0) > 0, "the malloc interposer counts")
            #expect(Self.value(after, "sluice_heap_allocation_counting") == 1)
        }
        #expect(Self.value(after, "sluice_batch_buffer_capacity_items") == 200_000)

        let memory = try sluice.request("GET /debug/memory HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(memory.status == 200)
        let document = try JSONSerialization.jsonObject(with: Data(memory.body)) as? [String: Any]
        #expect(document?["latest"] != nil)
        #expect(document?["history"] is [Any])
    }

    /// Durable mode adds the `sluice_ack_*` families.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PROMTOOL"] != nil, "set PROMTOOL to a promtool binary"),
          arguments: ["buffered", "durable"])
    func exposition_PassesPromtool(ack: String) throws {
        let sluice = try SluiceProcess(arguments: ["--sink", "discard", "--ack", ack])
        _ = try sluice.request(Self.post(#"[{"id":"a","data":{}},{"id":"","data":{}}]"#))
        let exposition = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").body
        let (status, report) = try Promtool.checkMetrics(exposition)
        #expect(status == 0, "promtool check metrics: \(report)")
        let text = String(decoding: exposition, as: UTF8.self)
        #expect(text.contains("# TYPE sluice_ack_wait_seconds histogram") == (ack == "durable"))
        if ack == "durable" { #expect(Self.value(text, "sluice_ack_wait_seconds_count") == 1) }
    }

    @Test func memoryGuard_ShedsBatchesAndTurnsReadyzOff_OverTheLimit() throws {
        // A limit below the idle footprint: the guard sheds from its first sample on.
        let sluice = try SluiceProcess(arguments: ["--sink", "discard", "--memory-limit", "4MiB", "--monitor-interval", "50ms"])
        var shedding = false
        for _ in 0..<50 where !shedding {  // bounded: about 2.5 s
            shedding = try sluice.request("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status == 503
            if !shedding { usleep(50_000) }
        }
        #expect(shedding)
        let refused = try sluice.request(Self.post(#"[{"id":"a","data":{}}]"#))
        #expect(refused.status == 503)
        #expect(refused.bodyText == #"{"error":"memory limit reached; retry later"}"#)
        #expect(refused.header("retry-after") == "1")
        let metrics = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").bodyText
        #expect(Self.value(metrics, #"sluice_load_shed_total{reason="memory_limit"}"#) == 1)
        #expect(Self.value(metrics, "sluice_memory_limit_bytes") == 4_194_304)
        #expect((Self.value(metrics, "sluice_malloc_trims_total") ?? 0) >= 1, "shedding returns free pages to the OS")
        #expect(try sluice.healthStatus() == 200, "liveness stays up while shedding")
    }

    /// 300 batches held in the buffer until one flush take 300 slabs, more than the 64 the pool
    /// keeps; once the flush returns them and the load stops, usage windows free the surplus.
    @Test func resultSlabPool_GivesAPeaksWorthBack_WhenTheLoadStops() throws {
        let sluice = try SluiceProcess(arguments: ["--sink", "discard", "--flush-interval", "5s", "--monitor-interval", "100ms",
                                                   "--memory-limit", "0"])
        let client = try sluice.client()
        for index in 0..<300 {
            try client.send(Self.post(#"[{"id":"i\#(index)","data":{}}]"#))
            #expect(try client.readResponse().status == 200)
        }
        var metrics = ""
        let deadline = ContinuousClock.now + .seconds(30)
        repeat {
            metrics = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").bodyText
            if Self.value(metrics, "sluice_sink_items_written_total") == 300,
               Self.value(metrics, #"sluice_pool_idle_objects{pool="result_slab"}"#) == 64 { break }
            usleep(50_000)
        } while ContinuousClock.now < deadline
        #expect(Self.value(metrics, "sluice_sink_items_written_total") == 300)
        #expect((Self.value(metrics, #"sluice_pool_misses_total{pool="result_slab"}"#) ?? 0) > 0, "the pool grew for the peak")
        #expect(Self.value(metrics, #"sluice_pool_idle_objects{pool="result_slab"}"#) == 64, "back to the prewarmed count")
        #expect((Self.value(metrics, #"sluice_memory_released_bytes_total{pool="result_slab",reason="unused"}"#) ?? 0) > 0)
        #expect(Self.value(metrics, #"sluice_memory_released_bytes_total{pool="result_slab",reason="memory_limit"}"#) == 0)
        #expect(Self.value(metrics, "sluice_load_shed_seconds_total") == 0)
    }
}
