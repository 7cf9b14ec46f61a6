/// The `--json` report: the same figures as ``TextReport``, as one JSON object on stdout.
///
/// Latencies are in milliseconds, sizes in bytes, rates per second; unknown values are null.
public struct JSONReport: Sendable {
    public var result: RunResult
    public var server: ServerReport

    public init(result: RunResult, server: ServerReport) {
        self.result = result
        self.server = server
    }

    /// The report as compact JSON, ending in a newline.
    public func render() -> String {
        var json = JSONWriter()
        json.beginObject()
        writeSetup(&json)
        json.field("elapsed_seconds", result.elapsedSeconds)
        json.field("requests", result.completedRequests)
        json.field("requests_per_second", result.requestsPerSecond)
        json.field("failed_requests", result.failedRequests)
        json.field("items_acknowledged", result.acknowledgedItems)
        json.field("items_per_second", result.itemsPerSecond)
        json.beginObject("items_counted_from")
        json.field("accepted_field", result.acknowledgedFromBody)
        json.field("batch_size", result.acknowledgedAssumed)
        json.field("uncounted", result.acknowledgedUnknown)
        json.endObject()
        writeLatency(&json)
        json.beginObject("status")
        for (status, count) in result.statusCounts.sorted(by: { $0.key < $1.key }) {
            json.field(status == 0 ? "other" : String(status), count)
        }
        json.endObject()
        json.beginObject("errors")
        for kind in TransferErrorKind.allCases { json.field(kind.rawValue, result.errorCounts[kind] ?? 0) }
        json.endObject()
        json.field("connections_opened", result.connectionsOpened)
        json.field("unsent_requests", result.unsentRequests)
        json.field("interrupted", result.wasInterrupted)
        writeServer(&json)
        json.endObject()
        return json.text + "\n"
    }

    private func writeSetup(_ json: inout JSONWriter) {
        let plan = result.plan
        json.field("url", plan.target.url)
        switch plan.model {
        case .closed:
            json.field("model", "closed")
            json.field("rate", nil as Double?)
        case .open(let rate):
            json.field("model", "open")
            json.field("rate", rate)
        }
        json.field("connections", plan.connections)
        json.field("threads", plan.threads)
        json.field("engine", plan.engine.rawValue)
        json.field("duration_seconds", plan.duration.seconds)
        json.field("request_limit", plan.requestLimit)
        json.beginObject("body")
        json.field("items", plan.body.itemsPerRequest)
        json.field("shape", plan.body.shape?.rawValue)
        json.field("content_type", plan.body.contentType)
        json.field("content_encoding", plan.body.contentEncoding)
        json.field("bytes", plan.body.bytes.count)
        json.field("uncompressed_bytes", plan.body.uncompressedByteCount)
        json.endObject()
    }

    private func writeLatency(_ json: inout JSONWriter) {
        let hasData = result.latencyMicroseconds.totalCount > 0
        json.beginObject("latency_ms")
        json.field("origin", result.plan.model == .closed ? "send" : "due")
        for (key, percentile) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9)] {
            json.field(key, hasData ? result.latencyMilliseconds(atPercentile: percentile) : nil)
        }
        json.field("max", hasData ? result.maxLatencyMilliseconds : nil)
        json.field("mean", hasData ? result.latencyMicroseconds.mean / 1_000 : nil)
        json.endObject()
    }

    private func writeServer(_ json: inout JSONWriter) {
        json.beginObject("server")
        json.field("metrics_url", result.plan.target.metricsURL)
        json.field("available", server.unavailableReason == nil)
        json.field("unavailable_reason", server.unavailableReason)
        json.field("rss_bytes_start", server.residentBytesBefore, decimals: 0)
        json.field("rss_bytes_end", server.residentBytesAfter, decimals: 0)
        json.field("heap_allocations", server.heapAllocations, decimals: 0)
        json.field("heap_allocations_per_item", server.heapAllocationsPerItem)
        json.field("items_accepted", server.itemsAccepted.map { Int($0.rounded()) })
        switch server.agreement(acknowledged: result.acknowledgedItems) {
        case .agree: json.field("items_agree", true)
        case .mismatch: json.field("items_agree", false)
        case .unknown: json.field("items_agree", nil as Bool?)
        }
        json.field("load_shed", server.loadShed.map { Int($0.rounded()) })
        json.field("status_503", result.count(status: 503))
        json.endObject()
    }
}
