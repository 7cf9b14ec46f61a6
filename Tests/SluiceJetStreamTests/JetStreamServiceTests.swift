import Foundation
import SluiceTestSupport
import Testing

/// The real `sluice --sink jetstream` under load in front of real nats-servers: one server,
/// one killed and restarted mid-load, a 3-node cluster losing a node. Every item answered 200
/// must be in the stream exactly once (read back through a consumer, counted by the server's
/// monitoring endpoint too).
@Suite(.serialized, .enabled(if: NATSServer.isAvailable, NATSServer.missingMessage))
struct JetStreamServiceTests {
    static func sluiceArguments(urls: [String], replicas: Int = 1) -> [String] {
        ["--sink", "jetstream", "--nats-url", urls.joined(separator: ","), "--nats-replicas", "\(replicas)",
         "--nats-ack-timeout", "2s", "--flush-interval", "50ms", "--flush-max-items", "1000", "--buffer-capacity", "5000",
         "--shutdown-timeout", "40s"]
    }

    /// Polls `condition` every 10 ms until it holds or `seconds` pass.
    static func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// Stops the load, drains sluice with SIGTERM and checks that the stream holds every
    /// acknowledged item exactly once, and nothing else.
    static func finishAndCheck(_ load: BatchLoad, sluice: SluiceProcess, reader urls: [String], monitor: NATSServer,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (acknowledged, failures) = load.finish()
        #expect(failures.isEmpty, "\(failures.prefix(3))", sourceLocation: sourceLocation)
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 60) == 0, "sluice drains to the stream and exits 0; log:\n\(sluice.log.suffix(3000))",
                sourceLocation: sourceLocation)
        let stored = try StreamClient(urls: urls).messages(stream: "SLUICE", subject: "sluice.items")
        let counts = Dictionary(stored.compactMap(\.itemID).map { ($0, 1) }, uniquingKeysWith: +)
        let twice = counts.filter { $0.value > 1 }
        #expect(twice.isEmpty, "\(twice.count) items stored more than once, e.g. \(twice.prefix(3))", sourceLocation: sourceLocation)
        let missing = acknowledged.filter { counts[$0] == nil }
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged items missing, e.g. \(missing.prefix(3))",
                sourceLocation: sourceLocation)
        #expect(stored.count == acknowledged.count, "the stream holds the acknowledged items and nothing else", sourceLocation: sourceLocation)
        #expect(Set(stored.map(\.messageID)).count == stored.count, sourceLocation: sourceLocation)
        #expect(try monitor.streamState("SLUICE")?.messages == acknowledged.count, "the server's /jsz count agrees",
                sourceLocation: sourceLocation)
    }

    /// `sluice_<name>` from the process's /metrics (first sample of the family).
    static func metric(_ name: String, of sluice: SluiceProcess) -> Double? {
        guard let response = try? sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n") else { return nil }
        let line = response.bodyText.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test func oneServer_EveryAcknowledgedItemIsInTheStreamExactlyOnce() throws {
        let server = try NATSServer.single()
        let sluice = try SluiceProcess(arguments: Self.sluiceArguments(urls: [server.url]))
        let load = BatchLoad(port: sluice.port, clients: 4, itemsPerBatch: 50, seconds: 20)
        load.start()
        #expect(Self.eventually(seconds: 20) { load.acknowledgedCount >= 5_000 })
        #expect(Self.metric("sluice_nats_connected", of: sluice) == 1)
        try Self.finishAndCheck(load, sluice: sluice, reader: [server.url], monitor: server)
        #expect(sluice.log.contains("created JetStream stream"))
    }

    /// The alerts and the dashboard query only `sluice_nats_*` names a JetStream sluice exports
    /// (deploy/smoke-test.sh checks every other name against a file-sink process).
    @Test func everyNATSMetricOfTheAlertsAndTheDashboard_IsExported() throws {
        let server = try NATSServer.single()
        let sluice = try SluiceProcess(arguments: Self.sluiceArguments(urls: [server.url]))
        let exposition = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").bodyText
        let exported = Set(exposition.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy")
        let text = try String(contentsOf: deploy.appendingPathComponent("prometheus/alerts.yml"), encoding: .utf8)
            + String(contentsOf: deploy.appendingPathComponent("grafana/sluice-dashboard.json"), encoding: .utf8)
        let used = Set(text.matches(of: try Regex("sluice_nats_[a-z_]+")).map { String(text[$0.range]) })
        let families = Set(used.map { name in
            ["_bucket", "_sum", "_count"].first { name.hasSuffix($0) && exported.contains(String(name.dropLast($0.count))) }
                .map { String(name.dropLast($0.count)) } ?? name
        })
        #expect(families.count >= 5, "\(families.sorted())")
        #expect(families.subtracting(exported).isEmpty, "used but not exported: \(families.subtracting(exported).sorted())")
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 30) == 0)
    }

    @Test func durableAck_Every200HasItsItemsInTheStreamAlready() throws {
        let server = try NATSServer.single()
        // A flush interval of an hour: only the durable path's own nudges flush.
        let sluice = try SluiceProcess(arguments: Self.sluiceArguments(urls: [server.url]) + ["--ack", "durable", "--flush-interval", "1h"])
        let client = try sluice.client()
        let stream = try StreamClient(urls: [server.url])
        for round in 0..<20 {
            let ids = (0..<5).map { "r\(round)-\($0)" }
            let body = "[" + ids.map { #"{"id":"\#($0)","data":{"n":1}}"# }.joined(separator: ",") + "]"
            try client.send("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            #expect(try client.readResponse().status == 200)
            #expect(try stream.info(stream: "SLUICE")?.messages == UInt64(5 * (round + 1)),
                    "round \(round): answered before every PubAck was in")
        }
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 30) == 0)
    }

    @Test func durableAck_KillNineUnderLoad_LosesNoAcknowledgedItem() throws {
        let server = try NATSServer.single()
        let sluice = try SluiceProcess(arguments: Self.sluiceArguments(urls: [server.url]) + ["--ack", "durable"])
        let load = BatchLoad(port: sluice.port, clients: 4, itemsPerBatch: 20, seconds: 30)
        load.start()
        #expect(Self.eventually(seconds: 20) { load.acknowledgedCount >= 2_000 })
        sluice.signal(SIGKILL)
        _ = sluice.waitForExit(seconds: 10)
        let (acknowledged, _) = load.finish()  // the connections fail once the process is gone
        let stored = try StreamClient(urls: [server.url]).messages(stream: "SLUICE", subject: "sluice.items")
        let ids = Set(stored.compactMap(\.itemID))
        let missing = acknowledged.filter { !ids.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) items answered 200 are not in the stream")
        #expect(ids.count == stored.count, "no item stored twice")
    }

    @Test func maxBody_IsLoweredSoEveryItemFitsInOneMessage() throws {
        let server = try NATSServer.single(extra: "max_payload: 8192")
        let sluice = try SluiceProcess(arguments: Self.sluiceArguments(urls: [server.url]) + ["--max-body", "1MiB"])
        #expect(sluice.log.contains("--max-body lowered so that every item fits in one NATS message"))
        func post(dataBytes: Int) throws -> Int {
            let body = #"[{"id":"big","data":{"s":""# + String(repeating: "x", count: dataBytes) + #""}}]"#
            return try sluice.request("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)").status
        }
        #expect(try post(dataBytes: 9000) == 413, "a body over max_payload - 512 is refused")
        #expect(try post(dataBytes: 7600) == 200, "the largest body allowed still fits in one message")
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 30) == 0, "the item was published (no batch blocked the drain)")
        #expect(try StreamClient(urls: [server.url]).info(stream: "SLUICE")?.messages == 1)
    }

    @Test func serverKilledAndRestartedMidLoad_LosesNothingAcknowledged_StoresNothingTwice() throws {
        let server = try NATSServer.single()
        let sluice = try SluiceProcess(arguments: Self.sluiceArguments(urls: [server.url]))
        let load = BatchLoad(port: sluice.port, clients: 4, itemsPerBatch: 50, seconds: 60)
        load.start()
        #expect(Self.eventually(seconds: 20) { load.acknowledgedCount >= 2_000 })
        server.kill()
        // With nothing draining it the buffer fills: /batch answers 503, nothing is dropped.
        #expect(Self.eventually(seconds: 20) { load.refusedCount > 0 }, "503s while the server is down")
        #expect(Self.eventually(seconds: 20) { sluice.log.contains("sink write failed") })
        let beforeRestart = load.acknowledgedCount
        try server.start()
        try server.waitUntilReady()
        #expect(Self.eventually(seconds: 30) { load.acknowledgedCount >= beforeRestart + 5_000 }, "the service recovers by itself")
        #expect((Self.metric("sluice_nats_reconnects_total", of: sluice) ?? 0) >= 1)
        try Self.finishAndCheck(load, sluice: sluice, reader: [server.url], monitor: server)
        #expect(sluice.log.contains("reconnected to NATS"))
        #expect(sluice.log.contains("sink recovered"))
    }

    @Test func clusterNodeKilledUnderLoad_LosesNothingAcknowledged_StoresNothingTwice() throws {
        let cluster = try NATSCluster()
        let sluice = try SluiceProcess(arguments: Self.sluiceArguments(urls: cluster.urls, replicas: 3))
        let load = BatchLoad(port: sluice.port, clients: 4, itemsPerBatch: 50, seconds: 90)
        load.start()
        #expect(Self.eventually(seconds: 30) { load.acknowledgedCount >= 2_000 })
        // Kill the stream's leader: the other two elect a new one and keep the stream.
        let leaderName = cluster.nodes.lazy.compactMap { try? $0.streamState("SLUICE")?.leader }.first { !$0.isEmpty }
        let leader = try #require(leaderName.flatMap { cluster.node(named: $0) }, "the R3 stream has a leader")
        leader.kill()
        let survivors = cluster.nodes.filter { $0 !== leader }
        // What sluice had stored when the node died; a flush completing just then adds at most
        // one buffer (5,000 items), so growth beyond 10,000 is the stream taking items again.
        let writtenAtKill = Self.metric("sluice_sink_items_written_total", of: sluice) ?? 0
        var newLeader: String?
        #expect(Self.eventually(seconds: 60) {
            newLeader = survivors.lazy.compactMap { try? $0.streamState("SLUICE")?.leader }.first { !$0.isEmpty && $0 != leader.name }
            return newLeader != nil
        }, "the two survivors elect a new stream leader")
        #expect(Self.eventually(seconds: 60) { (Self.metric("sluice_sink_items_written_total", of: sluice) ?? 0) >= writtenAtKill + 10_000 },
                "the stream takes items again")
        let monitor = try #require(survivors.first { $0.name == newLeader } ?? survivors.first)
        // Reading back needs a meta leader among the survivors (the killed node may have been it).
        #expect(Self.eventually(seconds: 60) {
            survivors.allSatisfy { node in
                let meta = (try? node.monitoring("/jsz"))?["meta_cluster"] as? [String: Any]
                return (meta?["leader"] as? String).map { !$0.isEmpty && $0 != leader.name } ?? false
            }
        }, "the survivors agree on a meta leader")
        try Self.finishAndCheck(load, sluice: sluice, reader: survivors.map(\.url), monitor: monitor)
        #expect(try StreamClient(urls: survivors.map(\.url)).info(stream: "SLUICE")?.replicas == 3)
    }
}
