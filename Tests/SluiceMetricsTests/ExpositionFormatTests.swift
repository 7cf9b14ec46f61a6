import Foundation
import SluiceTestSupport
import Testing
@testable import SluiceMetrics

@Suite struct ExpositionFormatTests {
    /// A snapshot from live objects: real process stats, default buckets, several statuses.
    static func liveSnapshot() -> MetricsSnapshot {
        let http = HTTPMetrics(routes: ["/batch", "/metrics", "unmatched"])
        http.recordRequest(route: http.route("/batch"), status: 200, durationNanoseconds: 120_000)
        http.recordRequest(route: http.route("/batch"), status: 413, durationNanoseconds: 9_000_000_000)
        http.recordRequest(route: http.route("unmatched"), status: 404, durationNanoseconds: 3_000)
        http.recordBatch(acceptedItems: 7)
        http.recordRejectedItems(.badDataString, count: 2)
        http.recordLoadShed(.draining)
        let monitor = MemoryMonitor(service: { Fixtures.service })
        let sample = monitor.recordSample()
        let slabs = ReleasableMemory(name: "result_slab", releaseUnused: { 4096 }, releaseIdle: { 0 })
        let memoryGuard = MemoryGuard(configuration: .init(limitBytes: 0, usageWindow: .seconds(1)), trimmer: HeapTrimmer { false },
                                      releasable: [slabs])
        let start = ContinuousClock.now
        memoryGuard.handle(residentBytes: 1, activity: 0, now: start)
        memoryGuard.handle(residentBytes: 1, activity: 0, now: start + .seconds(1))  // one window: 4096 unused bytes released
        return MetricsSnapshot(sample: sample, http: http.snapshot(), monitor: monitor.statistics(), memory: memoryGuard.status())
    }

    @Test(arguments: [("fixed", Fixtures.snapshot), ("live", liveSnapshot())])
    func exposition_ParsesStrictly_AndHasEveryContractFamily(name: String, snapshot: MetricsSnapshot) throws {
        let families = try ExpositionParser.parse(PrometheusExposition.renderString(snapshot))
        let names = Set(families.map(\.name))
        for family in Fixtures.contractFamilies {
            #expect(names.contains(family), "missing family \(family)")
        }
        for family in families {
            #expect(!family.help.isEmpty, "\(family.name) has no HELP text")
            if family.name.hasSuffix("_total") { #expect(family.type == "counter", "\(family.name) ends in _total but is \(family.type)") }
        }
    }

    @Test func liveExposition_ReportsRecordedValues() throws {
        let families = try ExpositionParser.parse(PrometheusExposition.renderString(Self.liveSnapshot()))
        func samples(_ name: String) -> [ExpositionParser.Sample] { families.first { $0.name == name }?.samples ?? [] }
        #expect(samples("sluice_http_requests_total").contains(.init(name: "sluice_http_requests_total", labels: ["route": "/batch", "status": "413"], value: 1)))
        #expect(samples("sluice_http_requests_total").contains(.init(name: "sluice_http_requests_total", labels: ["route": "/metrics", "status": "200"], value: 0)))
        #expect(samples("sluice_items_rejected_total").contains(.init(name: "sluice_items_rejected_total", labels: ["reason": "bad_data_string"], value: 2)))
        #expect(samples("sluice_load_shed_total").contains(.init(name: "sluice_load_shed_total", labels: ["reason": "draining"], value: 1)))
        #expect(samples("sluice_monitor_samples_total").first?.value == 1)
        #expect(samples("sluice_memory_released_bytes_total") == [
            .init(name: "sluice_memory_released_bytes_total", labels: ["pool": "result_slab", "reason": "unused"], value: 4096),
            .init(name: "sluice_memory_released_bytes_total", labels: ["pool": "result_slab", "reason": "memory_limit"], value: 0),
        ])
        #expect(samples("sluice_load_shed_seconds_total").first?.value == 0)
        let slow = samples("sluice_http_request_duration_seconds").first { $0.labels == ["route": "/batch", "le": "5"] }
        #expect(slow?.value == 1, "the 9 s request lies above the 5 s bucket")
        #expect((samples("process_resident_memory_bytes").first?.value ?? 0) > 0)
    }

    /// Runs only when PROMTOOL names a promtool binary (Debian's prometheus package:
    /// `apt-get download prometheus && dpkg -x prometheus_*.deb DIR`, then DIR/usr/bin/promtool).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PROMTOOL"] != nil))
    func promtool_AcceptsExposition() throws {
        for snapshot in [Fixtures.snapshot, Self.liveSnapshot(), AccessExpositionTests.snapshot] {
            let (status, report) = try Promtool.checkMetrics(PrometheusExposition.render(snapshot))
            #expect(status == 0, "promtool: \(report)")
        }
    }

    @Test(arguments: [
        (0.0, "0"), (1024.0, "1024"), (-3.0, "-3"), (0.25, "0.25"), (0.00005, "5e-05"),
        (12.5, "12.5"), (1e300, "1e+300"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ])
    func floatValues_UseGoParseFloatSyntax(value: Double, expected: String) {
        var writer = PrometheusTextWriter()
        writer.sample("x", value: value)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "x \(expected)\n")
    }

    @Test func labelValuesAndHelp_AreEscaped() throws {
        var writer = PrometheusTextWriter()
        writer.family("x_total", .counter, help: "a \\ b\nc \"q\"")
        writer.sample("x_total", labels: ["k": "v\\\"\n€"], value: UInt64(1))
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"""
        # HELP x_total a \\ b\nc "q"
        # TYPE x_total counter
        x_total{k="v\\\"\n€"} 1

        """#)
        let family = try #require(try ExpositionParser.parse(text).first)
        #expect(family.help == "a \\ b\nc \"q\"")
        #expect(family.samples.first?.labels["k"] == "v\\\"\n€")
    }

    @Test func parser_RejectsBrokenExpositions() {
        let broken = [
            "x_total 1\n",                                                     // no HELP/TYPE
            "# HELP x_total h\n# TYPE x_total counter\nx_total{a=\"\\t\"} 1\n", // bad escape
            "# HELP x h\n# TYPE x counter\nx 1\n",                               // counter without _total
            "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
            "# HELP g h\n# TYPE g gauge\ng 1\ng 2\n",                            // duplicate series
        ]
        for text in broken {
            #expect(throws: ExpositionParser.Failure.self) { try ExpositionParser.parse(text) }
        }
    }
}
