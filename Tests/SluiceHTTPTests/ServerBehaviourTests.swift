import Glibc
import SluiceHTTP
import SluiceTestSupport
import Testing

/// Keep-alive, pipelining, HEAD, absolute-form and body framing over a real loopback socket.
@Suite struct ServerBehaviourTests {
    @Test func keepAlive_ServesSeveralRequestsOnOneConnection() throws {
        let server = try TestServer()
        let client = try server.client()
        for _ in 0..<3 {
            try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(!response.closes)
            #expect(response.header("date") != nil)
        }
    }

    @Test func http10_ClosesByDefault_AndKeepsAliveWhenAsked() throws {
        let server = try TestServer()
        let plain = try server.client()
        try plain.send("GET /healthz HTTP/1.0\r\n\r\n")
        let first = try plain.readResponse()
        #expect(first.status == 200)
        #expect(first.closes)
        #expect(try plain.readsEOF())

        let keepAlive = try server.client()
        for _ in 0..<2 {
            try keepAlive.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try keepAlive.readResponse()
            #expect(response.status == 200)
            #expect(response.header("connection") == "keep-alive")
        }
    }

    @Test func publicRequestAccessors_ReadTheBodyAndHeadersThroughSpans() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /spans HTTP/1.1\r\nHost: t\r\nX-Tag: Abc 12\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "path=/spans body=hello tag=Abc 12 tagLength=6 absent=true", "the chunked body decoded, the header's value without its whitespace")
    }

    @Test func connectionClose_IsHonoured() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.closes)
        #expect(try client.readsEOF())
    }

    @Test func pipelinedRequests_AreAnsweredInOrder() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\none"
            + "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
            + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let statuses = try (0..<4).map { _ in try client.readResponse() }
        #expect(statuses.map(\.status) == [200, 404, 200, 200])
        #expect(statuses[0].bodyText == "one")
        #expect(statuses[2].bodyText == "two")
    }

    @Test func pipelinedRequests_ByteByByte_AreAnsweredInOrder() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.sendByteByByte(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2;x=\"a b\"\r\nhi\r\n1\r\n!\r\n0\r\nTrailer-A: 1\r\n\r\n")
        #expect(try client.readResponse().bodyText == "hello")
        #expect(try client.readResponse().bodyText == "hi!")
        try server.expectHealthy()
    }

    @Test func head_ReturnsHeadersWithoutBody() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(forHead: true)
        #expect(head.status == 200)
        #expect(head.header("content-length") == "15")
        let get = try client.readResponse()
        #expect(get.bodyText == "{\"status\":\"ok\"}")
    }

    @Test func absoluteFormTarget_IsRouted() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET http://localhost:1/healthz HTTP/1.1\r\nHost: localhost:1\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test func unknownPath_Is404_WrongMethod_Is405WithAllow() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /missing HTTP/1.1\r\nHost: t\r\n\r\nDELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\nBREW /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 404)
        let notAllowed = try client.readResponse()
        #expect(notAllowed.status == 405)
        #expect(notAllowed.header("allow") == "GET, HEAD")
        #expect(try client.readResponse().status == 405)
    }

    @Test func largeBody_ArrivingInPieces_IsEchoedWhole() throws {
        let server = try TestServer()
        let client = try server.client()
        let body = String((0..<200_000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        for chunk in stride(from: 0, to: body.utf8.count, by: 50_000) {
            try client.send(Array(Array(body.utf8)[chunk..<min(chunk + 50_000, body.utf8.count)]))
        }
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == body)
    }

    @Test func chunkedBody_WithExtensionsAndTrailers_IsDecoded() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5 ; name=value\r\nhello\r\n6;a;b=\"q\\\"x\"\r\n world\r\n0000;last\r\nX-Sum: 1\r\nY: 2\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "hello world")
        try server.expectHealthy()
    }

    @Test func expectContinue_Sends100_ThenTheFinalResponse() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("data")
        let final = try client.readResponse()
        #expect(final.status == 200)
        #expect(final.bodyText == "data")
    }

    @Test(arguments: [
        ("POST /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", 415),
        ("POST /missing HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", 404),
        ("GET /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", 405),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n", 413),
    ])
    func expectContinue_WithAFinalStatus_AnswersAtOnce_WithoutReadingTheBody(head: String, status: Int) throws {
        let server = try TestServer { $0.limits.maxBodyBytes = 1 << 20 }
        let client = try server.client()
        try client.send(head)
        let response = try client.readResponse()
        #expect(response.status == status)
        #expect(response.closes)
        try server.expectHealthy()
    }

    @Test func screenedResponse_WithBodyAlreadyHere_KeepsTheConnection() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody")
        let response = try client.readResponse()
        #expect(response.status == 415)
        #expect(!response.closes)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test func halfClosedClient_StillGetsItsResponse() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok")
        client.shutdownWrite()
        let response = try client.readResponse()
        #expect(response.bodyText == "ok")
        #expect(try client.readsEOF())
    }

    @Test func clientThatStopsReading_GetsEveryResponseOnceItReads() throws {
        let server = try TestServer()
        let client = try server.client(timeoutSeconds: 10)
        let body = String(repeating: "x", count: 256 * 1024)
        let request = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        // 16 MiB of responses: far more than the socket buffers hold, so the server sees short
        // writes and EAGAIN, and must stop reading until this client drains.
        let sender = TestThread { for _ in 0..<64 { try? client.send(request) } }
        sender.start()
        for _ in 0..<64 {
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body.count == body.utf8.count)
        }
        sender.join()
        try server.expectHealthy()
    }
}
