import Foundation
import SluiceTestSupport
import Testing
@testable import SluiceMetrics

/// The `sluice_nats_*` families: present, parseable and valued with the JetStream sink,
/// absent with any other (the fixed exposition and its golden text do not change).
@Suite struct JetStreamExpositionTests {
    static let stats = JetStreamStats(
        isConnected: true, reconnects: 2, messagesPublished: 1_050, duplicateAcks: 50,
        publishAck: HistogramSnapshot(upperBounds: [0.001, 0.01], cumulativeCounts: [700, 990, 1000], sum: 2.5))

    static var snapshot: MetricsSnapshot {
        var service = Fixtures.service
        service.jetStream = stats
        return MetricsSnapshot(process: Fixtures.process, allocator: Fixtures.allocator, service: service, http: Fixtures.http,
                               monitor: Fixtures.monitor, memory: Fixtures.memory)
    }

    @Test func jetStreamFamilies_AreRenderedWithTheirValues() throws {
        let families = try ExpositionParser.parse(PrometheusExposition.renderString(Self.snapshot))
        func value(_ name: String, labels: [String: String] = [:]) -> Double? {
            families.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
        }
        #expect(families.first { $0.name == "sluice_nats_connected" }?.type == "gauge")
        #expect(value("sluice_nats_connected") == 1)
        #expect(value("sluice_nats_reconnects_total") == 2)
        #expect(value("sluice_nats_messages_published_total") == 1_050)
        #expect(value("sluice_nats_duplicate_acks_total") == 50)
        #expect(families.first { $0.name == "sluice_nats_publish_ack_seconds" }?.type == "histogram")
        #expect(value("sluice_nats_publish_ack_seconds_bucket", labels: ["le": "0.01"]) == 990)
        #expect(value("sluice_nats_publish_ack_seconds_bucket", labels: ["le": "+Inf"]) == 1000)
        #expect(value("sluice_nats_publish_ack_seconds_count") == 1000)
        #expect(value("sluice_nats_publish_ack_seconds_sum") == 2.5)
        for family in Fixtures.contractFamilies {
            #expect(families.contains { $0.name == family }, "missing family \(family)")
        }
    }

    @Test func otherSinks_HaveNoJetStreamFamilies() {
        #expect(!PrometheusExposition.renderString(Fixtures.snapshot).contains("sluice_nats_"))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PROMTOOL"] != nil))
    func promtool_AcceptsTheJetStreamFamilies() throws {
        let (status, report) = try Promtool.checkMetrics(PrometheusExposition.render(Self.snapshot))
        #expect(status == 0, "promtool: \(report)")
    }
}
