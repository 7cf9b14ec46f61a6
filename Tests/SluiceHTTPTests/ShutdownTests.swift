import Dispatch
import SluiceHTTP
import Synchronization
import Testing

/// Graceful shutdown ends when the last connection closes (no polling, no fixed wait), lets a
/// request in progress finish with `Connection: close`, and force-closes at its deadline.
@Suite struct ShutdownTests {
    /// Starts a shutdown and returns a way to wait for its completion's argument.
    private func beginShutdown(_ server: TestServer, deadline: Duration) -> () -> Bool? {
        let result = Mutex<Bool?>(nil)
        let done = DispatchSemaphore(value: 0)
        server.server.shutdown(deadline: deadline) { clean in
            result.withLock { $0 = clean }
            done.signal()
        }
        return {
            // Generous: the completions below are due at once or at a short deadline.
            guard done.wait(timeout: .now() + .seconds(20)) == .success else { return nil }
            return result.withLock { $0 }
        }
    }

    @Test func withNoConnections_CompletesCleanLongBeforeTheDeadline() throws {
        let server = try TestServer()
        let started = ContinuousClock.now
        let wait = beginShutdown(server, deadline: .seconds(120))
        #expect(wait() == true)
        #expect(ContinuousClock.now - started < .seconds(60), "completion must not wait for the deadline")
    }

    @Test func requestInProgress_FinishesWithClose_ThenShutdownCompletesClean() throws {
        let server = try TestServer()
        let client = try server.client(timeoutSeconds: 20)
        // One full exchange first, so the connection is surely accepted and registered.
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab")
        let wait = beginShutdown(server, deadline: .seconds(120))
        try client.send("cde")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "abcde")
        #expect(response.closes)
        #expect(wait() == true)
    }

    @Test func stalledRequest_IsClosedAtTheDeadline_AndShutdownReportsIt() throws {
        let server = try TestServer()
        let client = try server.client(timeoutSeconds: 20)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab")
        let wait = beginShutdown(server, deadline: .milliseconds(300))
        #expect(wait() == false)
        #expect(try client.readsEOF())
    }
}
