import Dispatch
import Glibc
import Logging
import Synchronization

/// A socket-level HTTP/1.1 server on POSIX sockets and DispatchSource.
///
///     let server = try HTTPServer(configuration: configuration, handler: router, logger: logger)
///     try server.start()            // binds; server.port is the bound port
///     server.shutdown(deadline: .seconds(10)) { drained in ... }
///
/// Requests on one connection are handled in order on that connection's serial queue; each
/// event frames every pipelined request in the buffer and sends all replies in one call.
public final class HTTPServer: Sendable {
    private let context: ServerContext
    private let listener: Listener
    private let sweeper: TimeoutSweeper
    private let shutdownStarted = Atomic<Bool>(false)

    /// Binds and listens (so a port-in-use error surfaces here), but accepts nothing until `start()`.
    public init(configuration: HTTPServerConfiguration, handler: any HTTPRequestHandler, logger: Logger) throws {
        // A peer that resets while we write must give EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        context = ServerContext(configuration: configuration, handler: handler, logger: logger)
        listener = try Listener(context: context)
        sweeper = TimeoutSweeper(context: context)
    }

    /// The port the server is bound to (the real one when configured with port 0).
    public var port: Int { listener.port }

    /// The connection limit in force: `maxConnections`, or lower when the fd limit is low.
    public var connectionLimit: Int { context.connectionLimit }

    /// Starts accepting connections.
    public func start() {
        sweeper.start()
        listener.start()
    }

    /// True once shutdown has begun; `/readyz` answers 503 from then on.
    public var isDraining: Bool { context.isDraining.load(ordering: .relaxed) }

    /// Connection counts for metrics.
    public var connectionStatistics: (open: Int, accepted: Int, rejected: Int) {
        (context.openConnections.load(ordering: .relaxed),
         context.acceptedConnections.load(ordering: .relaxed),
         context.rejectedConnections.load(ordering: .relaxed))
    }

    /// Pooled read/write buffer statistics for metrics.
    public var bufferStatistics: (takes: Int, misses: Int, idle: Int, idleBytes: Int) { context.buffers.statistics }

    /// Frees the pooled I/O buffers no connection needed since the previous call (one usage
    /// window of the memory monitor); returns the bytes freed.
    @discardableResult
    public func releaseUnusedBuffers() -> Int { context.buffers.releaseUnused() }

    /// Frees every idle pooled I/O buffer (the memory guard, before it sheds load); returns the
    /// bytes freed.
    @discardableResult
    public func releaseIdleBuffers() -> Int { context.buffers.releaseIdle() }

    /// Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish
    /// (their responses carry `Connection: close`), and force-close what remains at `deadline`.
    /// `completion` runs once, on a background queue, with true when every connection closed
    /// in time. Later calls are ignored.
    public func shutdown(deadline: Duration, completion: @escaping @Sendable (Bool) -> Void) {
        guard !shutdownStarted.exchange(true, ordering: .relaxed) else { return }
        context.isDraining.store(true, ordering: .relaxed)
        let context = self.context
        let sweeper = self.sweeper
        let due = MonotonicClock.now() &+ deadline.nanoseconds
        listener.stop {
            for connection in context.allConnections() {
                connection.queue.async { connection.beginShutdown() }
            }
            Self.waitForConnections(context: context, due: due) { clean in
                sweeper.stop()
                completion(clean)
            }
        }
    }

    private static func waitForConnections(context: ServerContext, due: UInt64,
                                           completion: @escaping @Sendable (Bool) -> Void) {
        if context.openConnections.load(ordering: .relaxed) == 0 {
            completion(true)
            return
        }
        if MonotonicClock.now() >= due {
            context.logger.warning("shutdown deadline reached; closing remaining connections",
                                   metadata: ["open": "\(context.openConnections.load(ordering: .relaxed))"])
            for connection in context.allConnections() {
                connection.queue.async { connection.close() }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { completion(false) }
            return
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(10)) {
            waitForConnections(context: context, due: due, completion: completion)
        }
    }
}
