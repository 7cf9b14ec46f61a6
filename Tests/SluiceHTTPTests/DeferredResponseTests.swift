import Dispatch
import Glibc
import SluiceHTTP
import Synchronization
import Testing

/// Handlers that answer later: order kept on a pipelined connection, completion from another
/// queue, cancellation when the client goes away, a dropped answer, shutdown waiting for them.
@Suite struct DeferredResponseTests {
    /// Waits (bounded) until `POST /later` has made `count` deferred responses.
    private func waitForDeferred(_ server: TestServer, count: Int) -> [(response: DeferredResponse, body: String)] {
        for _ in 0..<2_000 {
            let made = server.deferred.withLock { $0 }
            if made.count >= count { return made }
            usleep(5_000)
        }
        Issue.record("POST /later did not defer \(count) responses within 10 s")
        return []
    }

    @Test func completedFromAnotherQueue_IsSent_AndTheConnectionGoesOn() throws {
        let server = try TestServer()
        let client = try server.client(timeoutSeconds: 20)
        try client.send("POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
        let made = waitForDeferred(server, count: 1)
        #expect(made.first?.body == "abc")
        DispatchQueue.global().async {
            made.first?.response.complete { response in
                response.status = HTTPStatus(code: 202, reason: "Accepted")
                response.body.write("{\"later\":true}")
            }
        }
        let response = try client.readResponse()
        #expect(response.status == 202)
        #expect(response.bodyText == "{\"later\":true}")
        #expect(!response.closes)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test func pipelinedRequests_AnswerInOrder_EvenWhenTheLaterOnesAreReadyFirst() throws {
        let server = try TestServer()
        let client = try server.client(timeoutSeconds: 20)
        // Three requests in one write: deferred, immediate, deferred.
        try client.send("POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n1"
            + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n2"
            + "POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n3")
        let first = waitForDeferred(server, count: 1)
        // The echo behind the pending answer is not handled, so nothing can be sent yet.
        #expect(!client.waitUntilReadable(milliseconds: 200))
        #expect(server.deferred.withLock { $0.count } == 1)
        first[0].response.complete { $0.body.write("one") }
        let second = waitForDeferred(server, count: 2)
        #expect(second[1].body == "3")
        second[1].response.complete { $0.body.write("three") }
        #expect(try client.readResponse().bodyText == "one")
        #expect(try client.readResponse().bodyText == "2")
        #expect(try client.readResponse().bodyText == "three")
    }

    @Test func clientReset_CancelsThePendingResponse_AndCompletingItDoesNothing() throws {
        let server = try TestServer()
        do {
            let client = try server.client()
            try client.send("POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx")
            _ = waitForDeferred(server, count: 1)
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }  // closed with RST here
        let pending = server.deferred.withLock { $0[0].response }
        var cancelled = false
        for _ in 0..<2_000 where !cancelled {
            cancelled = pending.isCancelled
            if !cancelled { usleep(5_000) }
        }
        #expect(cancelled)
        pending.complete { $0.body.write("nobody reads this") }
        try server.expectHealthy()
    }

    @Test func droppedWithoutAnswer_Answers500() throws {
        let server = try TestServer()
        let client = try server.client(timeoutSeconds: 20)
        try client.send("POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx")
        _ = waitForDeferred(server, count: 1)
        server.deferred.withLock { $0.removeAll() }  // the last reference
        let response = try client.readResponse()
        #expect(response.status == 500)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test func halfClosedClient_StillGetsTheDeferredAnswer_ThenEOF() throws {
        let server = try TestServer()
        let client = try server.client(timeoutSeconds: 20)
        try client.send("POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx")
        let made = waitForDeferred(server, count: 1)
        client.shutdownWrite()
        #expect(!client.waitUntilReadable(milliseconds: 100))
        made[0].response.complete { $0.body.write("late") }
        let response = try client.readResponse()
        #expect(response.bodyText == "late")
        #expect(response.closes)
        #expect(try client.readsEOF())
    }

    @Test func shutdown_WaitsForThePendingAnswer_WhichCarriesClose() throws {
        let server = try TestServer()
        let client = try server.client(timeoutSeconds: 20)
        try client.send("POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx")
        let made = waitForDeferred(server, count: 1)
        let finished = DispatchSemaphore(value: 0)
        let clean = Mutex<Bool?>(nil)
        server.server.shutdown(deadline: .seconds(120)) { result in
            clean.withLock { $0 = result }
            finished.signal()
        }
        // Still waiting: the connection has an answer to send.
        #expect(finished.wait(timeout: .now() + .milliseconds(200)) == .timedOut)
        made[0].response.complete { $0.body.write("bye") }
        let response = try client.readResponse()
        #expect(response.bodyText == "bye")
        #expect(response.closes)
        #expect(try client.readsEOF())
        #expect(finished.wait(timeout: .now() + .seconds(20)) == .success)
        #expect(clean.withLock { $0 } == true)
    }
}
