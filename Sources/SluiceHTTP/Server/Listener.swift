import CSystemShims
import Dispatch
import Glibc

/// Accepts connections on a listening socket with a Dispatch read source.
///
/// Each event accepts until EAGAIN. Over the connection limit (`maxConnections`, lowered to keep
/// file descriptors spare) a connection gets a canned 503 and
/// is closed at once, never left hanging. On EMFILE/ENFILE (out of fds) the source is
/// suspended and resumed after a growing back-off, so the listener neither spins nor stops
/// serving the connections it has.
final class Listener: @unchecked Sendable {
    // Confinement: all mutable state is used only on `queue`.
    let fd: Int32
    let port: Int
    private let context: ServerContext
    private let queue = DispatchQueue(label: "sluice.accept")
    private var source: DispatchSourceRead?
    private var isPaused = false
    private var isStopped = false
    private var backoffMilliseconds = 10

    init(context: ServerContext) throws {
        let configuration = context.configuration
        (fd, port) = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        self.context = context
    }

    func start() {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        // Before the handlers: ThreadSanitizer orders with a handler only what happened before
        // it was set (not what happened before resume()), and pause() reads `source`.
        self.source = source
        source.setEventHandler { [unowned self] in self.acceptAvailable() }
        source.setCancelHandler { [fd] in Glibc.close(fd) }
        source.resume()
    }

    /// Stops accepting and closes the listening socket; `completion` runs once it is closed.
    func stop(completion: @escaping @Sendable () -> Void) {
        queue.async { [self] in
            isStopped = true
            if let source {
                source.setCancelHandler { [fd] in
                    Glibc.close(fd)
                    completion()
                }
                source.cancel()
                if isPaused { source.resume(); isPaused = false }
                self.source = nil
            } else {
                completion()
            }
        }
    }

    private func acceptAvailable() {
        while !isStopped {
            let client = sluice_accept_nonblocking(fd)
            if client >= 0 {
                backoffMilliseconds = 10
                admit(client)
                continue
            }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EAGAIN, EWOULDBLOCK:
                return
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                pause(reason: errno)
                return
            default:
                context.logger.error("accept failed", metadata: ["error": "\(SocketError(call: "accept4", errno: errno))"])
                pause(reason: errno)
                return
            }
        }
    }

    private func pause(reason: Int32) {
        guard let source, !isPaused else { return }
        context.logger.warning("accept paused", metadata: [
            "error": "\(SocketError(call: "accept4", errno: reason))", "retry_ms": "\(backoffMilliseconds)"])
        source.suspend()
        isPaused = true
        queue.asyncAfter(deadline: .now() + .milliseconds(backoffMilliseconds)) { [self] in
            guard isPaused, let source = self.source else { return }
            isPaused = false
            source.resume()
        }
        backoffMilliseconds = min(backoffMilliseconds * 2, 1000)
    }

    private func admit(_ client: Int32) {
        let open = context.openConnections.wrappingAdd(1, ordering: .relaxed).newValue
        if open > context.connectionLimit || context.isDraining.load(ordering: .relaxed) {
            context.openConnections.subtract(1, ordering: .relaxed)
            context.rejectedConnections.add(1, ordering: .relaxed)
            context.handler.didReject(status: .serviceUnavailable)
            Self.sendCannedUnavailable(client)
            Glibc.close(client)
            return
        }
        context.acceptedConnections.add(1, ordering: .relaxed)
        Socket.setNoDelay(client)
        let connection = Connection(fd: client, context: context)
        context.register(connection)
        connection.start()
    }

    private static let unavailable: [UInt8] = Array((
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 37\r\n"
        + "Retry-After: 1\r\nConnection: close\r\n\r\n{\"error\":\"too many open connections\"}").utf8)

    /// Best effort, never blocking: the socket is non-blocking and its send buffer is empty.
    private static func sendCannedUnavailable(_ client: Int32) {
        _ = unavailable.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(client, Int32(SHUT_WR))
        // Discard what the client already sent so close() does not turn into a reset that
        // could destroy the 503 before the client reads it.
        var scratch = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &scratch) { bytes in
            while recv(client, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT)) > 0 {}
        }
    }
}
