import Foundation
import SluiceTestSupport
import Testing

/// `--auth-file`, quotas and `--admin-port` on the real process, over loopback sockets.
@Suite(.serialized) struct AccessControlEndpointTests {
    /// Tokens made as deploy/README.md says: `openssl rand -hex 32`-like random hex, and the
    /// hash by `sha256sum`, the standard tool, not sluice's own SHA-256.
    static func randomToken() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    static func sha256sum(_ text: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(printed.prefix(64))
    }

    /// An auth file in a fresh directory; rewrite it with `write`.
    final class AuthFileOnDisk {
        let directory: URL
        var path: String { directory.appendingPathComponent("tenants").path }

        init(_ text: String) throws {
            directory = try SegmentFiles.temporaryDirectory()
            try write(text)
        }

        func write(_ text: String) throws {
            // Replaced by rename, as editors and Kubernetes Secret updates do.
            let staging = directory.appendingPathComponent("tenants.new")
            try Data(text.utf8).write(to: staging)
            _ = rename(staging.path, path)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    static func post(_ body: String, token: String?, extraHeaders: String = "") -> String {
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        return "POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\(authorization)\(extraHeaders)"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func items(_ count: Int, prefix: String = "i") -> String {
        "[" + (0..<count).map { #"{"id":"\#(prefix)\#($0)","data":{"n":\#($0)}}"# }.joined(separator: ",") + "]"
    }

    static func metric(_ exposition: String, _ series: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    let hashed = randomToken()
    let plain = "plain-token-of-globex-" + randomToken().prefix(16)

    func tenants(quota: String = "") throws -> String {
        "# test tenants\nacme sha256:\(try Self.sha256sum(hashed)) \(quota)\nglobex \(plain)\n"
    }

    @Test func missingOrWrongToken_Is401WithTheChallenge_DecidedBeforeTheBodyIsRead() throws {
        let file = try AuthFileOnDisk(try tenants())
        let sluice = try SluiceProcess(arguments: ["--auth-file", file.path, "--sink", "discard"])
        for (token, message) in [(nil, "missing bearer token (Authorization: Bearer <token>)"), ("wrong-\(hashed)", "invalid bearer token"),
                                 (try Self.sha256sum(hashed), "invalid bearer token")] {
            let client = try sluice.client()
            // The head promises 100 KB that never come: the answer must not wait for them.
            let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
            try client.send("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\(authorization)Content-Length: 100000\r\n\r\n[")
            let response = try client.readResponse()
            #expect(response.status == 401)
            #expect(response.header("www-authenticate") == #"Bearer realm="sluice""#)
            #expect(response.bodyText == #"{"error":"\#(message)"}"#)
            #expect(response.closes, "the unread body leaves the connection unusable")
        }
        // Expect: 100-continue with a wrong token: the final status, never a 100.
        let client = try sluice.client()
        try client.send("POST /batch HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(plain)x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n")
        #expect(try client.readResponse().status == 401)
        // A complete request refused keeps its connection.
        let keeper = try sluice.client()
        try keeper.send(Self.post("[]", token: nil))
        #expect(try keeper.readResponse().status == 401)
        try keeper.send(Self.post("[]", token: plain))
        #expect(try keeper.readResponse().status == 200)

        let metrics = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").bodyText
        #expect(Self.metric(metrics, #"sluice_auth_failures_total{reason="missing"}"#) == 2)
        #expect(Self.metric(metrics, #"sluice_auth_failures_total{reason="invalid"}"#) == 3)
        #expect(Self.metric(metrics, #"sluice_http_requests_total{route="/batch",status="401"}"#) == 5)
        #expect(!sluice.log.contains(hashed) && !sluice.log.contains(plain), "no token in the log")
    }

    @Test func hashedAndPlainTokens_AreAccepted_AndEachRecordNamesItsTenant() throws {
        let file = try AuthFileOnDisk(try tenants())
        let data = try SegmentFiles.temporaryDirectory()
        let sluice = try SluiceProcess(arguments: ["--auth-file", file.path, "--data-dir", data.path, "--flush-interval", "50ms"])
        #expect(!sluice.log.contains("without --auth-file"))
        let client = try sluice.client()
        try client.send(Self.post(Self.items(3, prefix: "a"), token: hashed))
        #expect(try client.readResponse().bodyText == #"{"accepted":3,"rejected":0,"errors":[]}"#)
        // The scheme is case-insensitive (RFC 9110 §11.1).
        try client.send(Self.post(Self.items(2, prefix: "g"), token: nil, extraHeaders: "authorization: bearer \(plain)\r\n"))
        #expect(try client.readResponse().bodyText == #"{"accepted":2,"rejected":0,"errors":[]}"#)
        let metrics = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").bodyText
        #expect(Self.metric(metrics, #"sluice_tenant_items_accepted_total{tenant="acme"}"#) == 3)
        #expect(Self.metric(metrics, #"sluice_tenant_items_accepted_total{tenant="globex"}"#) == 2)
        #expect(Self.metric(metrics, #"sluice_tenant_throttled_total{tenant="acme"}"#) == 0)
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 10) == 0)
        let records = try SegmentFiles.lines(in: data).map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(records.map { "\($0["id"]!):\($0["tenant"]!)" } == ["a0:acme", "a1:acme", "a2:acme", "g0:globex", "g1:globex"])
        let first = try #require(try SegmentFiles.lines(in: data).first)
        #expect(first.hasPrefix(#"{"id":"a0","received_at":""#) && first.hasSuffix(#","metadata":[],"tenant":"acme"}"#),
                "the tenant comes last; the other fields keep their order")
        #expect(!sluice.log.contains(hashed) && !sluice.log.contains(plain))
    }

    @Test func sighup_RefusesTheOldToken_AcceptsTheNewOne_OnConnectionsOpenedBefore() throws {
        let file = try AuthFileOnDisk(try tenants())
        let sluice = try SluiceProcess(arguments: ["--auth-file", file.path, "--sink", "discard"])
        let old = try sluice.client(), fresh = try sluice.client()
        try old.send(Self.post("[]", token: hashed))
        #expect(try old.readResponse().status == 200)
        try fresh.send(Self.post("[]", token: plain))
        #expect(try fresh.readResponse().status == 200)

        let rotated = Self.randomToken()
        try file.write("acme \(rotated)\nglobex \(plain)\n")
        sluice.signal(SIGHUP)
        #expect(sluice.waitForLog("auth file reloaded"), "log:\n\(sluice.log)")
        try old.send(Self.post(Self.items(1), token: hashed))
        let refused = try old.readResponse()
        #expect(refused.status == 401, "the replaced token is refused")
        #expect(!refused.closes)
        try old.send(Self.post(Self.items(1), token: rotated))
        #expect(try old.readResponse().bodyText == #"{"accepted":1,"rejected":0,"errors":[]}"#, "the new one works on the same connection")
        try fresh.send(Self.post(Self.items(1), token: plain))
        #expect(try fresh.readResponse().status == 200, "a tenant that stays keeps working")

        // A file that does not parse: logged with its line, the tenants stay as they were.
        try file.write("acme \(rotated)\nacme short\n")
        sluice.signal(SIGHUP)
        #expect(sluice.waitForLog("auth file reload failed"), "log:\n\(sluice.log)")
        #expect(sluice.log.contains("auth file line 2: a plain token must be at least 16 characters"))
        try old.send(Self.post(Self.items(1), token: rotated))
        #expect(try old.readResponse().status == 200)
        #expect(sluice.process.isRunning)
        #expect(!sluice.log.contains(rotated) && !sluice.log.contains(hashed) && !sluice.log.contains(plain))
    }

    @Test func quota_Throttles_With429AndTheBucketsRefillTime_KeepingNothing() throws {
        // acme: 1 item/s, bucket of 10.
        let file = try AuthFileOnDisk(try tenants(quota: "1 10"))
        let sluice = try SluiceProcess(arguments: ["--auth-file", file.path, "--sink", "discard"])
        let client = try sluice.client()
        let started = ContinuousClock.now
        try client.send(Self.post(Self.items(10), token: hashed))
        #expect(try client.readResponse().status == 200, "a full bucket takes the burst")
        try client.send(Self.post(Self.items(4) + "", token: hashed))
        let throttled = try client.readResponse()
        let elapsed = ContinuousClock.now - started
        #expect(throttled.status == 429)
        #expect(throttled.bodyText == #"{"error":"over the tenant's items/s quota; retry later"}"#)
        // 4 items at 1 item/s are back 4 s after the bucket emptied, less what has passed since.
        let retryAfter = try #require(throttled.header("retry-after").flatMap(Int.init))
        let lowest = 4 - Int(elapsed.components.seconds)
        #expect(retryAfter <= 4 && retryAfter >= lowest, "Retry-After \(retryAfter), \(elapsed) after the first request")
        try client.send(Self.post(Self.items(11), token: hashed))
        let tooLarge = try client.readResponse()
        #expect(tooLarge.status == 413)
        #expect(tooLarge.bodyText == #"{"error":"batch of 11 items exceeds the tenant's burst of 10 items"}"#)
        // Another tenant is not affected.
        try client.send(Self.post(Self.items(50), token: plain))
        #expect(try client.readResponse().status == 200)

        let metrics = try sluice.request("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").bodyText
        #expect(Self.metric(metrics, #"sluice_tenant_throttled_total{tenant="acme"}"#) == 1)
        #expect(Self.metric(metrics, #"sluice_tenant_items_accepted_total{tenant="acme"}"#) == 10, "nothing of the throttled batch")
        #expect(Self.metric(metrics, "sluice_items_accepted_total") == 60)
        #expect(Self.metric(metrics, #"sluice_http_requests_total{route="/batch",status="429"}"#) == 1)
    }

    @Test func adminPort_TakesMetricsAndDebug_HealthAnswersOnBoth() throws {
        let file = try AuthFileOnDisk(try tenants())
        let sluice = try SluiceProcess(arguments: ["--auth-file", file.path, "--sink", "discard", "--admin-port", "0"])
        let adminPort = try #require(sluice.adminPort)
        #expect(adminPort != sluice.port)
        let main = try sluice.client(), admin = try sluice.adminClient()
        func get(_ client: RawClient, _ path: String) throws -> RawResponse {
            try client.send("GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse()
        }
        for path in ["/metrics", "/debug/memory"] {
            #expect(try get(main, path).status == 404, "\(path) is not on the main listener")
            #expect(try get(admin, path).status == 200, "\(path) is on the admin listener")
        }
        for path in ["/healthz", "/readyz"] {
            #expect(try get(main, path).status == 200)
            #expect(try get(admin, path).status == 200)
        }
        try main.send(Self.post("[]", token: plain))
        #expect(try main.readResponse().status == 200)
        try admin.send(Self.post("[]", token: plain))
        #expect(try admin.readResponse().status == 404, "/batch is not on the admin listener")
        let metrics = try get(admin, "/metrics").bodyText
        // The first admin scrape (a scrape counts once answered, so not itself); the main
        // listener's 404s count as unmatched.
        #expect(Self.metric(metrics, #"sluice_http_requests_total{route="/metrics",status="200"}"#) == 1)
        #expect(Self.metric(metrics, #"sluice_http_requests_total{route="other",status="404"}"#) == 3)
        #expect(metrics.contains(#"sluice_tenant_items_accepted_total{tenant="globex"} 0"#))
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 10) == 0)
    }

    @Test func badAuthFile_StopsTheStart_NamingTheLine_NotTheToken() throws {
        let file = try AuthFileOnDisk("acme \(plain)\nglobex \(hashed) fast\n")
        do {
            let sluice = try SluiceProcess(arguments: ["--auth-file", file.path, "--sink", "discard"])
            Issue.record("started on port \(sluice.port)")
        } catch let error as SluiceProcessError {
            #expect(error.description.contains("auth file line 2: ITEMS_PER_SECOND must be an integer"), "\(error)")
            #expect(!error.description.contains(hashed) && !error.description.contains(plain))
        }
    }

    @Test func nonLoopbackAddress_WithoutAuthFile_Warns() throws {
        let open = try SluiceProcess(arguments: ["--host", "0.0.0.0", "--sink", "discard"])
        #expect(open.waitForLog("listening on a non-loopback address without --auth-file"))
        let file = try AuthFileOnDisk(try tenants())
        let guarded = try SluiceProcess(arguments: ["--host", "0.0.0.0", "--sink", "discard", "--auth-file", file.path])
        #expect(guarded.waitForLog("access control on"))
        #expect(!guarded.log.contains("without --auth-file"))
        let loopback = try SluiceProcess(arguments: ["--sink", "discard"])
        #expect(try loopback.healthStatus() == 200)
        #expect(!loopback.log.contains("without --auth-file"))
    }
}
