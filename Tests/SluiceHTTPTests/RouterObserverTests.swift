import SluiceHTTP
import Synchronization
import Testing

/// The router asks its observer for a slot per route path once, and reports each answer in
/// the slot of the route it resolved in `screen` (whatever the routes' order), or nil.
@Suite struct RouterObserverTests {
    final class RecordingObserver: RouteObserver {
        let slotsByPath: [String: Int]
        let records = Mutex<[(slot: Int?, status: Int)]>([])
        let askedPaths = Mutex<[String]>([])

        init(slotsByPath: [String: Int]) { self.slotsByPath = slotsByPath }

        func slot(forRoutePath path: String) -> Int {
            askedPaths.withLock { $0.append(path) }
            return slotsByPath[path] ?? 99
        }

        func observe(slot: Int?, status: HTTPStatus, durationNanoseconds: UInt64) {
            records.withLock { $0.append((slot, status.code)) }
        }

        var recorded: [(slot: Int?, status: Int)] { records.withLock { $0 } }
    }

    @Test func answers_CountInTheSlotOfTheirRoute_NotByRouteOrder() throws {
        // TestServer has /later, /healthz, /echo, /reject, /tagged, /spans; the slots are not in that order.
        let observer = RecordingObserver(slotsByPath: ["/echo": 7, "/healthz": 3, "/reject": 5])
        let server = try TestServer(observer: observer)
        #expect(observer.askedPaths.withLock { $0 }.sorted() == ["/echo", "/healthz", "/later", "/reject", "/spans", "/tagged"])
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi")
        #expect(try client.readResponse().status == 200)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        try client.send("POST /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        #expect(try client.readResponse().status == 415)
        try client.send("DELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 405)
        try client.send("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 404)
        // Each answer is observed before its bytes are sent, so all five are recorded by now.
        let recorded = observer.recorded
        #expect(recorded.map(\.slot) == [7, 3, 5, 3, nil])
        #expect(recorded.map(\.status) == [200, 200, 415, 405, 404])
    }

    @Test func malformedRequest_IsObservedWithoutASlot() throws {
        let observer = RecordingObserver(slotsByPath: [:])
        let server = try TestServer(observer: observer)
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n")
        #expect(try client.readResponse().status == 400)
        #expect(observer.recorded.map(\.slot) == [nil])
        #expect(observer.recorded.map(\.status) == [400])
    }

    /// What a route's `screen` keeps in `routeTag` reaches its `respond` for that request, also
    /// for pipelined requests with bodies, and a screen may answer 401 with a challenge.
    @Test func routeTag_FromScreen_ReachesRespond_PerRequest() throws {
        let server = try TestServer()
        let client = try server.client()
        let requests = [7, 42, 3].map { "POST /tagged HTTP/1.1\r\nHost: t\r\nX-Tag: \($0)\r\nContent-Length: 2\r\n\r\nhi" }
        try client.send(requests.joined())
        for tag in [7, 42, 3] { #expect(try client.readResponse().bodyText == "tag=\(tag)") }
        try client.send("POST /tagged HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        let refused = try client.readResponse()
        #expect(refused.status == 401)
        #expect(refused.header("www-authenticate") == #"Bearer realm="test""#)
        try client.send("POST /tagged HTTP/1.1\r\nHost: t\r\nX-Tag: 9\r\nContent-Length: 0\r\n\r\n")
        #expect(try client.readResponse().bodyText == "tag=9", "the next request on the connection starts without the old tag")
    }
}
