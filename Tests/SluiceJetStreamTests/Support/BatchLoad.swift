import Glibc
import SluiceTestSupport
import Synchronization

/// Clients posting batches of unique item ids to a real sluice, each on its own keep-alive
/// connection, until `stop()` or `seconds` pass. Every id of a batch answered 200 is
/// acknowledged; 503s (a full buffer) are counted, and the client tries again a little later.
final class BatchLoad: Sendable {
    private let acknowledged = Mutex<[String]>([])
    private let acknowledgedTotal = Atomic<Int>(0)
    private let refusedTotal = Atomic<Int>(0)
    private let failures = Mutex<[String]>([])
    private let isStopped = Atomic<Bool>(false)
    private let threads = Mutex<[TestThread]>([])
    private let port: Int
    private let clients: Int
    private let itemsPerBatch: Int
    private let seconds: Double
    private let tag: String

    init(port: Int, clients: Int, itemsPerBatch: Int, seconds: Double, tag: String = "i") {
        self.port = port
        self.clients = clients
        self.itemsPerBatch = itemsPerBatch
        self.seconds = seconds
        self.tag = tag
    }

    func start() {
        let started = (0..<clients).map { client in
            TestThread { [self] in post(port: port, client: client, itemsPerBatch: itemsPerBatch, seconds: seconds, tag: tag) }
        }
        threads.withLock { $0 = started }
        started.forEach { $0.start() }
    }

    /// Items answered 200 so far.
    var acknowledgedCount: Int { acknowledgedTotal.load(ordering: .relaxed) }
    /// Batches answered 503 so far.
    var refusedCount: Int { refusedTotal.load(ordering: .relaxed) }

    /// Stops the clients after their current request and returns every acknowledged id, with
    /// what went wrong on the connections (an empty list when nothing did).
    func finish() -> (acknowledged: [String], failures: [String]) {
        isStopped.store(true, ordering: .relaxed)
        threads.withLock { $0 }.forEach { $0.join() }
        return (acknowledged.withLock { $0 }, failures.withLock { $0 })
    }

    private func post(port: Int, client: Int, itemsPerBatch: Int, seconds: Double, tag: String) {
        let deadline = monotonicSeconds() + seconds
        do {
            let connection = try RawClient(port: port, receiveTimeoutSeconds: 30)
            var batch = 0
            while !isStopped.load(ordering: .relaxed), monotonicSeconds() < deadline, batch < 1_000_000 {
                let ids = (0..<itemsPerBatch).map { "\(tag)\(client)-\(batch)-\($0)" }
                let body = "[" + ids.map { #"{"id":"\#($0)","data":{"n":1}}"# }.joined(separator: ",") + "]"
                batch += 1
                try connection.send("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let response = try connection.readResponse()
                switch response.status {
                case 200:
                    acknowledged.withLock { $0.append(contentsOf: ids) }
                    acknowledgedTotal.add(ids.count, ordering: .relaxed)
                case 503:
                    refusedTotal.add(1, ordering: .relaxed)
                    usleep(5_000)  // the buffer is full: give the flusher a moment
                default:
                    failures.withLock { $0.append("status \(response.status): \(response.bodyText)") }
                    return
                }
            }
        } catch {
            failures.withLock { $0.append("client \(client): \(error)") }
        }
    }
}
