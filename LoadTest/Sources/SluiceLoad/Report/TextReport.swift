/// The human-readable report printed at the end of a run.
///
///     requests     512,345 in 10.00 s = 51,234.5 req/s
///     latency      p50 0.912  p90 1.203  p99 2.110  p99.9 4.800  max 12.30 ms
public struct TextReport: Sendable {
    public var result: RunResult
    public var server: ServerReport

    public init(result: RunResult, server: ServerReport) {
        self.result = result
        self.server = server
    }

    /// The report, one field per line, ending in a newline.
    public func render() -> String {
        var lines: [String] = []
        let plan = result.plan
        lines.append("sluice-load  POST \(plan.target.url)\(result.wasInterrupted ? "  (interrupted)" : "")")
        lines.append(row("model", plan.setupDescription))
        lines.append(row("body", plan.body.summary))
        lines.append(row("requests", "\(NumberFormat.grouped(result.completedRequests)) in "
            + "\(NumberFormat.fixed(result.elapsedSeconds, 2)) s = \(NumberFormat.groupedFixed(result.requestsPerSecond, 1)) req/s"))
        lines.append(row("items", itemsLine))
        lines.append(row("latency", latencyLine))
        lines.append(row("status", statusLine))
        lines.append(row("errors", TransferErrorKind.allCases
            .map { "\($0.rawValue) \(NumberFormat.grouped(result.errorCounts[$0] ?? 0))" }.joined(separator: "  ")))
        lines.append(row("connections", "\(NumberFormat.grouped(result.connectionsOpened)) opened"))
        if case .open(let rate) = plan.model {
            var schedule = "target \(NumberFormat.groupedFixed(rate, rate < 10 ? 2 : 0)) req/s, "
                + "achieved \(NumberFormat.groupedFixed(result.requestsPerSecond, 1)) req/s"
            if result.requestsPerSecond < rate * 0.95 {
                schedule += " (fell behind: the server or this tester could not keep up)"
            }
            lines.append(row("schedule", schedule))
            lines.append(row("unsent", "\(NumberFormat.grouped(result.unsentRequests)) due but never sent"))
        }
        lines.append("server (\(plan.target.metricsURL))")
        lines.append(contentsOf: serverLines)
        return lines.joined(separator: "\n") + "\n"
    }

    private func row(_ label: String, _ value: String) -> String {
        "  " + label + String(repeating: " ", count: max(1, 13 - label.count)) + value
    }

    private var itemsLine: String {
        var text = "\(NumberFormat.grouped(result.acknowledgedItems)) acknowledged = "
            + "\(NumberFormat.groupedFixed(result.itemsPerSecond, 0)) items/s"
        var sources: [String] = []
        if result.acknowledgedFromBody > 0 { sources.append("\"accepted\" of \(NumberFormat.grouped(result.acknowledgedFromBody)) responses") }
        if result.acknowledgedAssumed > 0 { sources.append("batch size × \(NumberFormat.grouped(result.acknowledgedAssumed)) responses") }
        if result.acknowledgedUnknown > 0 { sources.append("\(NumberFormat.grouped(result.acknowledgedUnknown)) responses uncounted") }
        if !sources.isEmpty { text += " (" + sources.joined(separator: ", ") + ")" }
        return text
    }

    private var latencyLine: String {
        guard result.latencyMicroseconds.totalCount > 0 else { return "no responses" }
        let points: [(String, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9)]
        let percentiles = points.map { "\($0.0) \(NumberFormat.milliseconds(result.latencyMilliseconds(atPercentile: $0.1)))" }
        let origin = result.plan.model == .closed ? "from send" : "from due time"
        return (percentiles + ["max \(NumberFormat.milliseconds(result.maxLatencyMilliseconds))", "(ms, \(origin))"])
            .joined(separator: "  ")
    }

    private var statusLine: String {
        guard !result.statusCounts.isEmpty else { return "none" }
        return result.statusCounts.sorted { $0.key < $1.key }
            .map { "\($0.key == 0 ? "other" : String($0.key)) × \(NumberFormat.grouped($0.value))" }
            .joined(separator: "  ")
    }

    private var serverLines: [String] {
        if let reason = server.unavailableReason { return ["  server metrics unavailable (\(reason))"] }
        var lines: [String] = []
        if let before = server.residentBytesBefore, let after = server.residentBytesAfter {
            let drift = after - before
            lines.append(row("RSS", "\(NumberFormat.bytes(before)) → \(NumberFormat.bytes(after)) "
                + "(\(drift >= 0 ? "+" : "")\(NumberFormat.bytes(drift)))"))
        } else {
            lines.append(row("RSS", "unavailable (no process_resident_memory_bytes)"))
        }
        if let perItem = server.heapAllocationsPerItem {
            lines.append(row("allocations", "\(NumberFormat.fixed(perItem, 2)) heap allocations per accepted item"))
        } else {
            lines.append(row("allocations", "unavailable (needs sluice_heap_allocations_total and accepted items)"))
        }
        switch server.agreement(acknowledged: result.acknowledgedItems) {
        case .agree:
            lines.append(row("items", "server accepted \(NumberFormat.grouped(result.acknowledgedItems)), as acknowledged"))
        case .mismatch:
            lines.append(row("items", server.mismatchWarning(acknowledged: result.acknowledgedItems) ?? ""))
        case .unknown:
            lines.append(row("items", "unavailable (no sluice_items_accepted_total)"))
        }
        let shed = server.loadShed.map { NumberFormat.grouped(Int($0.rounded())) } ?? "unavailable"
        lines.append(row("load shed", "\(shed) (sluice_load_shed_total), 503 responses seen: "
            + NumberFormat.grouped(result.count(status: 503))))
        return lines
    }
}
