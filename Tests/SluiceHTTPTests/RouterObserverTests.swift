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
        // TestServer has /later, /healthz, /echo, /reject, in that order; the slots are not.
        let observer = RecordingObserver(slotsByPath: ["/echo": 7, "/healthz": 3, "/reject": 5])
        let server = try TestServer(observer: observer)
        #expect(observer.askedPaths.withLock { $0 }.sorted() == ["/echo", "/healthz", "/later", "/reject"])
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
}
