import Glibc
import SluiceLoad
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for end-to-end tests: binds port 0, one thread per
/// connection, keep-alive. `POST /batch` answers `{"accepted":N,"rejected":0,"errors":[]}` with N
/// the number of `"id":` keys in the (possibly gzip) body; `GET /metrics` serves counters that
/// agree with what it accepted.
///
/// Modes make it slow on purpose: every request takes `serviceMilliseconds`, or request number
/// `stallAtRequest` alone sleeps `stallMilliseconds` (a one-off pause, e.g. a GC); or make it
/// close connections after `closeAfterRequests` (see ``Closing``).
final class TestHTTPServer: Sendable {
    struct Behavior: Sendable {
        var serviceMilliseconds = 0
        var stallAtRequest: Int?
        var stallMilliseconds = 0
        var servesMetrics = true
        /// Close each connection after this many requests, in the way `closing` says.
        var closeAfterRequests: Int?
        var closing = Closing.announced
        /// Send batch replies with `Transfer-Encoding: chunked` (two chunks) instead of a length.
        var chunkedReplies = false
        /// `SO_RCVBUF` of every connection (no autotuning), to keep a large request from fitting
        /// in the server's socket buffer.
        var receiveBufferBytes: Int?
    }

    /// How a connection ends after `closeAfterRequests` answers.
    enum Closing: Sendable {
        /// The last answer says `Connection: close`.
        case announced
        /// Closed right after the last answer without saying so, as by a server whose
        /// keep-alive timeout expired while the client was about to reuse the connection.
        case silently
        /// The head of the next request is read, then the connection is closed without an
        /// answer (and the request is not counted): the close crossed a request already on its
        /// way. Bytes left unread (a large body) make the close a reset, possibly while the
        /// client is still writing.
        case afterNextHead
    }

    let port: Int
    let behavior: Behavior
    let itemsAccepted = Atomic<Int>(0)
    let batchRequests = Atomic<Int>(0)
    let metricsRequests = Atomic<Int>(0)
    let connectionsAccepted = Atomic<Int>(0)
    private let listenFD: Int32
    /// Descriptors of the connections still open. A connection thread removes its descriptor
    /// and closes it under this lock, so `stop()` never shuts down a number the process has
    /// already reused for another socket (another test's server, a client, a pipe).
    private let openConnections = Mutex<Set<Int32>>([])
    private let isStopped = Atomic<Bool>(false)
    private let threads = Mutex<[POSIXThread]>([])
    private let acceptThread = Mutex<POSIXThread?>(nil)

    init(_ behavior: Behavior = Behavior()) throws {
        self.behavior = behavior
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestServerError.setup("socket", errno) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        if let bytes = behavior.receiveBufferBytes {
            // Set on the listening socket, so accepted connections start with it.
            var size = Int32(bytes)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw TestServerError.setup("bind/listen", errno)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = try POSIXThread { [self] in acceptLoop() }
        acceptThread.withLock { $0 = thread }
    }

    /// `http://127.0.0.1:PORT/batch`.
    var batchURL: String { "http://127.0.0.1:\(port)/batch" }

    /// Connections accepted and not yet closed by the server.
    var openConnectionCount: Int { openConnections.withLock { $0.count } }

    /// Stops accepting, cuts every connection still open and joins every thread. Only the
    /// first call does anything.
    func stop() {
        guard !isStopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listenFD, Int32(SHUT_RDWR))
        acceptThread.withLock { $0 }?.join()
        close(listenFD)
        openConnections.withLock { open in
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        for thread in threads.withLock({ $0 }) { thread.join() }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return // shut down
            }
            // Close-on-exec (accept4 is not in Swift's Glibc): a child process the tests start
            // meanwhile (sluice-load, sluice) must not inherit the connection and keep it open
            // after this server closes it.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            // Bounded reads: an idle client cannot hold a thread for more than 10 s.
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            openConnections.withLock { _ = $0.insert(fd) }
            connectionsAccepted.wrappingAdd(1, ordering: .relaxed)
            guard let thread = try? POSIXThread({ [self] in
                TestConnection(fd: fd, server: self).serve()
                closeConnection(fd)
            }) else {
                closeConnection(fd)
                continue
            }
            threads.withLock { $0.append(thread) }
        }
    }

    /// Forgets and closes a connection in one step under the lock (see `openConnections`).
    private func closeConnection(_ fd: Int32) {
        openConnections.withLock { open in
            open.remove(fd)
            close(fd)
        }
    }

    /// Handles one `POST /batch`: counts items, applies the slow modes, returns the reply body.
    func acceptBatch(_ body: [UInt8]) -> String {
        let number = batchRequests.wrappingAdd(1, ordering: .relaxed).newValue
        let items = Self.countItems(body)
        var delay = behavior.serviceMilliseconds
        if number == behavior.stallAtRequest { delay += behavior.stallMilliseconds }
        if delay > 0 { usleep(UInt32(delay) * 1_000) }
        // Counted before answering, as sluice does: an acknowledged item is already accepted.
        itemsAccepted.wrappingAdd(items, ordering: .relaxed)
        return #"{"accepted":\#(items),"rejected":0,"errors":[]}"#
    }

    /// Made-up but consistent counters: 3 heap allocations per item, RSS growing with items.
    func metricsText() -> String {
        let items = itemsAccepted.load(ordering: .relaxed)
        metricsRequests.wrappingAdd(1, ordering: .relaxed)
        return """
        # HELP process_resident_memory_bytes Resident memory size in bytes.
        # TYPE process_resident_memory_bytes gauge
        process_resident_memory_bytes \(50_000_000 + items * 8)
        # TYPE sluice_heap_allocations_total counter
        sluice_heap_allocations_total \(1_000 + items * 3)
        # TYPE sluice_items_accepted_total counter
        sluice_items_accepted_total \(items)
        # TYPE sluice_load_shed_total counter
        sluice_load_shed_total{reason="buffer_full"} 0
        sluice_load_shed_total{reason="memory_limit"} 0

        """
    }

    /// Occurrences of `"id":` — one per item in every shape sluice-load generates.
    static func countItems(_ body: [UInt8]) -> Int {
        let key = Array(#""id":"#.utf8)
        guard body.count >= key.count else { return 0 }
        var count = 0
        var index = 0
        while index <= body.count - key.count {
            if body[index] == key[0], Array(body[index..<(index + key.count)]) == key {
                count += 1
                index += key.count
            } else {
                index += 1
            }
        }
        return count
    }
}

enum TestServerError: Error {
    case setup(String, Int32)
}
