import CCurl
import Glibc

/// The `--engine wire` transport: libcurl's multi interface opens every connection
/// (`CURLOPT_CONNECT_ONLY`: resolution, non-blocking connect, `TCP_NODELAY`, TLS for https),
/// and the requests travel over it with `curl_easy_send`/`curl_easy_recv`: the prepared
/// ``RequestMessage`` goes out as it is and a ``ResponseParser`` reads the answer in place.
///
/// Why: a full libcurl transfer costs about 67,000 instructions per request in curl 7.88 (URL
/// re-parse, request formatting, header handling), which made the tester, not the server, the
/// limit. Here a request costs two curl calls and a parse of the response head.
///
/// One connection per slot, kept alive. A connection the server closes is reopened for the
/// next request; a request that finds a reused connection dead before any byte of its answer
/// arrived is sent once more on a new connection, as curl does. Per-request timeouts are
/// checked every 10 ms. Thread-confined to its worker.
final class WireTransport: RequestTransport {
    private enum Phase {
        /// No connection; the slot's easy handle is not in the multi handle.
        case disconnected
        /// The easy handle is in the multi handle, connecting.
        case connecting
        /// Connected, no request.
        case idle
        /// Connected, request bytes still to write.
        case sending
        /// Request written, response not complete.
        case receiving
    }

    private struct Connection {
        var phase = Phase.disconnected
        var fd: Int32 = -1
        var watchesWritable = false
        /// A request is in flight on this slot.
        var isBusy = false
        /// Request bytes written so far.
        var sent = 0
        var deadlineNanoseconds: Int64 = 0
        /// Responses completed on the current connection (0: it is fresh, not reused).
        var responsesOnConnection = 0
        var hasRetried = false
        var parser: ResponseParser
    }

    /// The tag of the connector's epoll set inside ours; slots use their index.
    private static let connectorTag = UInt64.max
    private static let timeoutCheckNanoseconds: Int64 = 10_000_000

    private let connector: MultiEventLoop
    private let easies: [UnsafeMutableRawPointer]
    private var connections: [Connection] = []
    private let epollFD: Int32
    private let request: RequestMessage
    private let readBuffer: UnsafeMutableRawBufferPointer
    private let keptBodies: UnsafeMutableRawBufferPointer
    private var ready = [sluice_tagged_event](repeating: sluice_tagged_event(), count: 256)
    private let timeoutNanoseconds: Int64
    /// TLS may hold decrypted bytes the socket no longer shows: read until curl says EAGAIN.
    private let readsUntilAgain: Bool
    private var busyCount = 0
    private var nextTimeoutCheck: Int64 = 0
    private var finishedSink: [FinishedRequest] = []
    private(set) var connectionsOpened = 0

    /// Bytes of each response body kept for its `"accepted"` count.
    static let keptBodyBytes = 1024

    init(slots: Int, plan: LoadPlan, request: RequestMessage) throws(LoadError) {
        self.request = request
        timeoutNanoseconds = plan.requestTimeout.nanoseconds
        readsUntilAgain = plan.target.scheme == "https"
        // Room for a closing connection and its replacement per slot.
        connector = try MultiEventLoop(connections: 2 * slots)
        epollFD = sluice_epoll_create()
        guard epollFD >= 0, sluice_epoll_add(epollFD, connector.epollDescriptor, Int32(SLUICE_READY_READABLE), Self.connectorTag) == 0 else {
            let reason = LoadError.describe(errno: errno)
            if epollFD >= 0 { Glibc.close(epollFD) }
            connector.close()
            throw .system(call: "epoll_create1", reason: reason)
        }
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        keptBodies = .allocate(byteCount: slots * Self.keptBodyBytes, alignment: 16)
        var created: [UnsafeMutableRawPointer] = []
        for slot in 0..<slots {
            guard let easy = curl_easy_init() else { break }
            created.append(easy)
            Self.configure(easy, slot: slot, plan: plan)
            connector.adopt(easy)
            let kept = UnsafeMutableRawBufferPointer(rebasing: keptBodies[(slot * Self.keptBodyBytes)...].prefix(Self.keptBodyBytes))
            connections.append(Connection(parser: ResponseParser(keptStorage: kept)))
        }
        easies = created
        guard created.count == slots else {
            close()
            throw .curl(call: "curl_easy_init", message: "out of memory")
        }
    }

    private static func configure(_ easy: UnsafeMutableRawPointer, slot: Int, plan: LoadPlan) {
        plan.configureConnection(of: easy, slot: slot)
        sluice_easy_setopt_long(easy, CURLOPT_CONNECT_ONLY, 1)
        sluice_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(plan.requestTimeout.nanoseconds / 1_000_000))
    }

    // MARK: RequestTransport

    func start(_ slot: Int) {
        let now = sluice_monotonic_nanoseconds()
        connections[slot].isBusy = true
        connections[slot].sent = 0
        connections[slot].hasRetried = false
        connections[slot].deadlineNanoseconds = now + timeoutNanoseconds
        connections[slot].parser.reset()
        if busyCount == 0 { nextTimeoutCheck = now + Self.timeoutCheckNanoseconds }
        busyCount += 1
        switch connections[slot].phase {
        case .idle: send(slot)
        case .disconnected: connect(slot)
        case .connecting, .sending, .receiving: break // not reached: the worker starts idle slots only
        }
    }

    func poll(wakeNanoseconds: Int64, finished: inout [FinishedRequest]) {
        // The helpers below report into `finishedSink`; lending it the caller's array for the
        // call (two swaps, no copy) saves threading `inout finished` through every one of them.
        swap(&finished, &finishedSink)
        defer { swap(&finished, &finishedSink) }
        var wake = wakeNanoseconds
        if let curlTimer = connector.curlTimerNanoseconds { wake = min(wake, curlTimer) }
        if busyCount > 0 { wake = min(wake, nextTimeoutCheck) }
        var now = sluice_monotonic_nanoseconds()
        // Round up: waking before the deadline would spin until it passes.
        let timeoutMilliseconds = wake <= now ? 0 : Int32(min((wake - now + 999_999) / 1_000_000, 1_000))
        let count = ready.withUnsafeMutableBufferPointer { buffer in
            // Safe: at most `buffer.count` events are written.
            sluice_epoll_wait_tagged(epollFD, buffer.baseAddress, Int32(buffer.count), timeoutMilliseconds)
        }
        var isConnectorReady = false
        for index in 0..<Int(max(count, 0)) {
            let event = ready[index]
            if event.tag == Self.connectorTag {
                isConnectorReady = true
            } else {
                handle(Int(event.tag), bits: event.bits)
            }
        }
        now = sluice_monotonic_nanoseconds()
        if isConnectorReady || (connector.curlTimerNanoseconds.map { $0 <= now } ?? false) {
            connector.runOnce(wakeNanoseconds: 0)
            while let (easy, result) = connector.nextCompletion() {
                connected(Int(sluice_easy_private_index(easy)), result: result)
            }
        }
        if busyCount > 0, now >= nextTimeoutCheck {
            nextTimeoutCheck = now + Self.timeoutCheckNanoseconds
            expireRequests(now: now)
        }
    }

    func armPacingTimer(at nanoseconds: Int64) {
        connector.armPacingTimer(at: nanoseconds)
    }

    func abandon(_ slot: Int) {
        guard connections[slot].isBusy else { return }
        connections[slot].isBusy = false
        busyCount -= 1
        disconnect(slot)
    }

    func close() {
        for slot in connections.indices { disconnect(slot) }
        connector.close()
        for easy in easies { curl_easy_cleanup(easy) }
        Glibc.close(epollFD)
        readBuffer.deallocate()
        keptBodies.deallocate()
    }

    // MARK: connections

    private func connect(_ slot: Int) {
        connections[slot].phase = .connecting
        connections[slot].responsesOnConnection = 0
        connector.add(easies[slot])
    }

    /// The connector finished opening the connection of `slot`, or failed to.
    private func connected(_ slot: Int, result: CURLcode) {
        guard slot >= 0, slot < connections.count, connections[slot].phase == .connecting else { return }
        let fd = result == CURLE_OK ? sluice_easy_active_socket(easies[slot]) : -1
        guard fd >= 0, sluice_epoll_add(epollFD, fd, Int32(SLUICE_READY_READABLE), UInt64(slot)) == 0 else {
            disconnect(slot)
            if connections[slot].isBusy { fail(slot, result == CURLE_OK ? .other : TransferErrorKind(result)) }
            return
        }
        connectionsOpened += 1
        connections[slot].fd = fd
        connections[slot].watchesWritable = false
        if connections[slot].isBusy {
            send(slot)
        } else {
            connections[slot].phase = .idle
        }
    }

    /// Closes the connection of `slot` (curl closes the socket when the handle leaves the multi).
    private func disconnect(_ slot: Int) {
        if connections[slot].fd >= 0 {
            sluice_epoll_remove(epollFD, connections[slot].fd)
            connections[slot].fd = -1
        }
        if connections[slot].phase != .disconnected {
            connector.remove(easies[slot])
            connections[slot].phase = .disconnected
        }
    }

    private func handle(_ slot: Int, bits: Int32) {
        guard slot < connections.count else { return }
        switch connections[slot].phase {
        case .sending:
            if bits & Int32(SLUICE_READY_READABLE) != 0 {
                receive(slot) // an early answer, e.g. 413 before the whole body was read
            }
            if connections[slot].phase == .sending { send(slot) }
        case .receiving:
            receive(slot)
        case .idle:
            // An idle keep-alive connection became readable: the server closed it (or sent bytes
            // no request asked for). Reopen it for the next request.
            disconnect(slot)
        case .connecting, .disconnected:
            break // an event for a connection already given up
        }
    }

    // MARK: requests

    private func send(_ slot: Int) {
        connections[slot].phase = .sending
        let total = request.bytes.count
        while connections[slot].sent < total {
            var written = 0
            let code = curl_easy_send(easies[slot], request.bytes.baseAddress! + connections[slot].sent,
                                      total - connections[slot].sent, &written)
            if code == CURLE_AGAIN {
                watchWritable(slot, true)
                return
            }
            guard code == CURLE_OK else {
                connectionBroke(slot)
                return
            }
            connections[slot].sent += written
        }
        watchWritable(slot, false)
        connections[slot].phase = .receiving
    }

    private func watchWritable(_ slot: Int, _ wanted: Bool) {
        guard connections[slot].watchesWritable != wanted else { return }
        connections[slot].watchesWritable = wanted
        let interest = Int32(SLUICE_READY_READABLE) | (wanted ? Int32(SLUICE_READY_WRITABLE) : 0)
        sluice_epoll_modify(epollFD, connections[slot].fd, interest, UInt64(slot))
    }

    private func receive(_ slot: Int) {
        while true {
            var received = 0
            let code = curl_easy_recv(easies[slot], readBuffer.baseAddress, readBuffer.count, &received)
            if code == CURLE_AGAIN { return }
            guard code == CURLE_OK else {
                connectionBroke(slot)
                return
            }
            guard received > 0 else {
                endOfStream(slot)
                return
            }
            let bytes = UnsafeRawBufferPointer(rebasing: readBuffer[..<received])
            let used: Int
            do {
                used = try connections[slot].parser.consume(bytes)
            } catch {
                disconnect(slot)
                fail(slot, .protocol)
                return
            }
            if connections[slot].parser.isComplete {
                // Extra bytes, or an answer before the whole request was written, leave the
                // connection out of step: it is not reused.
                let keepsConnection = !connections[slot].parser.closesConnection && used == received
                    && connections[slot].phase == .receiving
                complete(slot)
                if keepsConnection {
                    connections[slot].phase = .idle
                    watchWritable(slot, false)
                } else {
                    disconnect(slot)
                }
                return
            }
            if received < readBuffer.count, !readsUntilAgain { return }
        }
    }

    /// The server closed the connection: that ends a close-delimited body, or cuts the request short.
    private func endOfStream(_ slot: Int) {
        if connections[slot].phase == .receiving, connections[slot].parser.finishAtEndOfStream() {
            complete(slot)
            disconnect(slot)
        } else {
            connectionBroke(slot)
        }
    }

    /// A send or receive failed, or the stream ended early. A reused connection that died before
    /// any byte of the answer arrived was most likely closed by the server while idle: the request
    /// goes once more on a new connection. Anything else is a reset.
    private func connectionBroke(_ slot: Int) {
        disconnect(slot)
        guard connections[slot].isBusy else { return }
        let isReused = connections[slot].responsesOnConnection > 0
        if isReused, !connections[slot].parser.hasStarted, !connections[slot].hasRetried {
            connections[slot].hasRetried = true
            connections[slot].sent = 0
            connect(slot)
        } else {
            fail(slot, .reset)
        }
    }

    private func complete(_ slot: Int) {
        let status = connections[slot].parser.status
        let accepted = status == 200 ? AcceptedCount.parse(connections[slot].parser.keptBody) : nil
        connections[slot].responsesOnConnection += 1
        finishRequest(slot, .response(status: status, accepted: accepted))
    }

    private func fail(_ slot: Int, _ kind: TransferErrorKind) {
        finishRequest(slot, .failed(kind))
    }

    private func finishRequest(_ slot: Int, _ outcome: RequestOutcome) {
        guard connections[slot].isBusy else { return }
        connections[slot].isBusy = false
        busyCount -= 1
        finishedSink.append(FinishedRequest(slot: slot, outcome: outcome))
    }

    private func expireRequests(now: Int64) {
        for slot in connections.indices where connections[slot].isBusy && connections[slot].deadlineNanoseconds <= now {
            disconnect(slot)
            fail(slot, .timeout)
        }
    }
}

@available(*, unavailable)
extension WireTransport: Sendable {}
