import Glibc
import SluiceHTTP
import SluiceTestSupport
import Testing

/// Slow and silent clients against a real server with short timeouts: each is cut off within
/// its timeout (plus a tolerance for a busy machine), and /healthz answers on another
/// connection all the while.
@Suite struct SlowClientTests {
    /// Slack on every upper bound: the sweeper ticks, and a shared 2-core machine stalls threads.
    static let tolerance = 3.0

    @Test(arguments: [false, true])
    func oneBytePerSecondBody_Gets408ThenClose_WithinTheBodyTimeout(expectContinue: Bool) throws {
        // A body timeout of 2 s against a byte a second: a deadline that restarted on every
        // byte would never fire; the minimum rate (default 500 B/s) cuts the body off at ~2 s.
        let bodyTimeout = 2.0
        let server = try TestServer {
            $0.headerTimeout = .seconds(1)
            $0.bodyTimeout = .seconds(2)
        }
        let client = try server.client(timeoutSeconds: 10)
        let expect = expectContinue ? "Expect: 100-continue\r\n" : ""
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\(expect)\r\n")
        let start = monotonicSeconds()
        if expectContinue {
            #expect(try client.readResponse().status == 100)
        }
        var sent = 0
        for _ in 0..<Int(bodyTimeout + Self.tolerance) + 2 {
            if client.waitUntilReadable(milliseconds: 1000) { break }
            if (try? client.send("x")) == nil { break }
            sent += 1
            try server.expectHealthy()
        }
        let response = try client.readResponse()
        let elapsed = monotonicSeconds() - start
        #expect(response.status == 408)
        #expect(response.closes)
        #expect(try client.readsEOF())
        #expect(sent >= 1, "the body was trickling when it was cut off")
        #expect(elapsed < bodyTimeout + Self.tolerance, "cut off after \(elapsed) s")
        try server.expectHealthy()
    }

    @Test func withoutAMinimumRate_ATrickleOutlastingTheBodyTimeout_IsServed() throws {
        // Rate 0 keeps the stall timeout only: 5 bytes 700 ms apart (3.5 s in all, past the
        // 2 s body timeout) complete the body.
        let server = try TestServer {
            $0.bodyTimeout = .seconds(2)
            $0.minBodyBytesPerSecond = 0
        }
        let client = try server.client(timeoutSeconds: 10)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n")
        let start = monotonicSeconds()
        for byte in "hello" {
            #expect(!client.waitUntilReadable(milliseconds: 700), "answered before the body was complete")
            try client.send(String(byte))
        }
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "hello")
        #expect(monotonicSeconds() - start > 2.0, "the trickle must outlast the body timeout to prove anything")
        try server.expectHealthy()
    }

    @Test func silentNewConnection_Gets408ThenClose_WithinTheHeaderTimeout() throws {
        // The idle timeout (60 s by default) is for kept-alive connections between requests;
        // a new connection must send its first head within the header timeout from accept.
        let headerTimeout = 1.0
        let server = try TestServer { $0.headerTimeout = .seconds(1) }
        let client = try server.client(timeoutSeconds: 10)
        let start = monotonicSeconds()
        for _ in 0..<Int((headerTimeout + Self.tolerance) * 4) + 4 {
            if client.waitUntilReadable(milliseconds: 250) { break }
            try server.expectHealthy()
        }
        let response = try client.readResponse()
        let elapsed = monotonicSeconds() - start
        #expect(response.status == 408)
        #expect(response.closes)
        #expect(try client.readsEOF())
        #expect(elapsed < headerTimeout + Self.tolerance, "closed after \(elapsed) s")
        try server.expectHealthy()
    }

    @Test func keptAliveConnection_GetsTheIdleTimeout_NotTheHeaderTimeout() throws {
        let server = try TestServer {
            $0.headerTimeout = .seconds(1)
            $0.idleTimeout = .seconds(5)
        }
        let client = try server.client(timeoutSeconds: 10)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        // Twice the header timeout: a close now would be the header deadline applied between requests.
        #expect(!client.waitUntilReadable(milliseconds: 2000), "closed before the idle timeout")
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test func binaryJunk_Is400AtOnce_NotAtTheHeaderDeadline() throws {
        // The header deadline is 10 s: a 400 well before it comes from the parser.
        let server = try TestServer { $0.headerTimeout = .seconds(10) }
        let junk = (0..<8192).map { UInt8(0x80 | ($0 & 0x7F)) }
        let cases: [(name: String, bytes: [UInt8])] = [
            ("8 KiB of binary", junk),
            ("a method, then binary", Array("POST ".utf8) + junk),
            ("a single TLS handshake byte", [0x16]),
            ("a NUL in the target", Array("GET /healthz\u{0}".utf8)),
        ]
        for (name, bytes) in cases {
            let client = try server.client(timeoutSeconds: 10)
            let start = monotonicSeconds()
            try client.send(bytes)
            try server.expectHealthy()
            let response = try client.readResponse()
            let elapsed = monotonicSeconds() - start
            #expect(response.status == 400, "\(name)")
            #expect(response.closes, "\(name)")
            #expect(response.bodyText.hasPrefix("{\"error\":\""), "\(name)")
            #expect(elapsed < Self.tolerance, "\(name): answered after \(elapsed) s")
        }
        try server.expectHealthy()
    }
}
