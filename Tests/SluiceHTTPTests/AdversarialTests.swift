import Glibc
import SluiceHTTP
import SluiceTestSupport
import Testing

/// Malformed, oversized, slow and abrupt clients: each gets a defined answer, and the server
/// keeps serving (every test ends by checking /healthz).
@Suite struct AdversarialTests {
    static let malformedOnTheWire: [(String, Int)] = [
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1 2\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b \r\na\r\n0\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n 1\r\na\r\n0\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0x1\r\na\r\n0\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400),
        ("GET\t/healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;=x\r\nabc\r\n0\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n", 400),
        ("GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400),
        ("GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\u{0}b\r\n\r\n", 400),
        ("GET /healthz HTTP/1.1\r\nHost : t\r\n\r\n", 400),
        ("GET /healthz HTTP/1.1\r\n\r\n", 400),
        ("GET /healthz HTTP/3.0\r\nHost: t\r\n\r\n", 505),
        ("GET /healthz HTTP/1.1\nHost: t\n\n", 400),
        ("\u{16}\u{3}\u{1}\u{0}\u{a5}\u{1}\u{0}\u{0}\u{a1}\u{3}\u{3}\r\n\r\n", 400),
        ("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ]

    @Test(arguments: malformedOnTheWire)
    func malformedRequest_GetsAnErrorWithConnectionClose_ThenEOF(request: String, status: Int) throws {
        let server = try TestServer()
        for feed in [false, true] {
            let client = try server.client()
            if feed { try client.sendByteByByte(request) } else { try client.send(request) }
            let response = try client.readResponse()
            #expect(response.status == status)
            #expect(response.closes)
            #expect(response.header("content-type") == "application/json")
            #expect(response.bodyText.hasPrefix("{\"error\":\""))
            #expect(try client.readsEOF())
        }
        try server.expectHealthy()
    }

    @Test func errorBodies_NeverEchoRequestBytes() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /<script>alert(1)</script> HTTP/1.1\r\nHost: t\r\nX-Evil: \u{1}<script>\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(!response.bodyText.contains("script"))
        try server.expectHealthy()
    }

    @Test func oversizedBodies_Are413() throws {
        let server = try TestServer { $0.limits.maxBodyBytes = 1000 }
        let declared = try server.client()
        try declared.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n")
        let first = try declared.readResponse()
        #expect(first.status == 413)
        #expect(first.closes)

        let chunked = try server.client()
        var body = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<3 { body += "190\r\n" + String(repeating: "z", count: 400) + "\r\n" }
        try chunked.send(body + "0\r\n\r\n")
        let second = try chunked.readResponse()
        #expect(second.status == 413)
        #expect(second.closes)
        try server.expectHealthy()
    }

    @Test func limits_Are414And431() throws {
        let server = try TestServer {
            $0.limits.maxRequestLineBytes = 100
            $0.limits.maxHeaderBytes = 1000
            $0.limits.maxHeaderCount = 10
        }
        let longLine = try server.client()
        try longLine.send("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try longLine.readResponse().status == 414)

        let manyHeaders = try server.client()
        try manyHeaders.send("GET / HTTP/1.1\r\nHost: t\r\n" + (0..<11).map { "X-\($0): v\r\n" }.joined() + "\r\n")
        #expect(try manyHeaders.readResponse().status == 431)

        let bigHeader = try server.client()
        try bigHeader.send("GET / HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "v", count: 2000) + "\r\n\r\n")
        #expect(try bigHeader.readResponse().status == 431)
        try server.expectHealthy()
    }

    @Test func connectionsOverTheLimit_GetACanned503() throws {
        let server = try TestServer { $0.maxConnections = 2 }
        let first = try server.client()
        let second = try server.client()
        try first.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        try second.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try first.readResponse().status == 200)
        #expect(try second.readResponse().status == 200)
        let third = try server.client()
        let refused = try third.readResponse()
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") == "1")
        #expect(refused.closes)
        #expect(try third.readsEOF())
    }

    @Test func slowHead_Is408_ThenClosed() throws {
        let server = try TestServer { $0.headerTimeout = .milliseconds(300) }
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n")  // never finished
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(response.closes)
        #expect(try client.readsEOF())
        try server.expectHealthy()
    }

    @Test func slowlorisTrickle_DoesNotExtendTheHeaderDeadline() throws {
        let server = try TestServer { $0.headerTimeout = .milliseconds(400) }
        let client = try server.client()
        let start = monotonicSeconds()
        var status = 0
        for index in 0..<40 {
            // One header byte every 50 ms: progress, but the head never completes in time.
            if (try? client.send(index == 0 ? "GET /healthz HTTP/1.1\r\nHost: t\r\n" : "X")) == nil { break }
            usleep(50_000)
            if index == 20 { break }
        }
        status = try client.readResponse().status
        #expect(status == 408)
        #expect(monotonicSeconds() - start < 3.0)
        try server.expectHealthy()
    }

    @Test func stalledBody_Is408() throws {
        let server = try TestServer { $0.bodyTimeout = .milliseconds(300) }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(response.closes)
        try server.expectHealthy()
    }

    @Test func idleKeepAliveConnection_IsClosed() throws {
        let server = try TestServer { $0.idleTimeout = .milliseconds(300) }
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(try client.readsEOF())
        try server.expectHealthy()
    }

    @Test func peerReset_MidRequest_DoesNotDisturbTheServer() throws {
        let server = try TestServer()
        for partial in ["GET /heal", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc", ""] {
            let client = try server.client()
            if !partial.isEmpty { try client.send(partial) }
            client.reset()
        }
        try server.expectHealthy()
    }

    @Test func eofAfterPartialHead_ClosesQuietly() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHo")
        client.shutdownWrite()
        #expect(try client.readsEOF())
        try server.expectHealthy()
    }

    @Test func garbageFlood_IsRejected() throws {
        let server = try TestServer()
        let client = try server.client()
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try? client.send(noise)
        let response = try? client.readResponse()
        #expect(response == nil || [400, 414, 431, 501, 505].contains(response!.status))
        try server.expectHealthy()
    }
}
