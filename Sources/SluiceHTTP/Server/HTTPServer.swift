import Dispatch
import Glibc
import Logging
import SluiceSupport
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
    /// `completion` runs once, on a background queue, as soon as the last connection has
    /// closed: with true when that was before the deadline. Later calls are ignored.
    public func shutdown(deadline: Duration, completion: @escaping @Sendable (Bool) -> Void) {
        guard !shutdownStarted.exchange(true, ordering: .relaxed) else { return }
        context.isDraining.store(true, ordering: .relaxed)
        let context = self.context
        let sweeper = self.sweeper
        let outcome = ShutdownOutcome()
        let finish: @Sendable () -> Void = {
            guard let clean = outcome.finish() else { return }
            sweeper.stop()
            completion(clean)
        }
        listener.stop {
            context.forEachConnection { connection in
                connection.queue.async { connection.beginShutdown() }
            }
            context.whenNoConnections(finish)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: deadline.nonNegativeNanoseconds))) {
                guard outcome.passDeadline() else { return }
                context.logger.warning("shutdown deadline reached; closing remaining connections",
                                       metadata: ["open": "\(context.openConnections.load(ordering: .relaxed))"])
                context.forEachConnection { connection in
                    connection.queue.async { connection.forceClose() }
                }
                // Closing cancels the sources and the last cancel handler unregisters, which
                // runs `finish`; this is only a backstop should a connection never get there.
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(1), execute: finish)
            }
        }
    }
}

/// How a shutdown ended: finished (once) before or after its deadline passed.
private final class ShutdownOutcome: Sendable {
    private static let running = 0, pastDeadline = 1, finished = 2
    private let state = Atomic<Int>(ShutdownOutcome.running)

    /// Marks the deadline as passed; false when the shutdown had already finished.
    func passDeadline() -> Bool {
        state.compareExchange(expected: Self.running, desired: Self.pastDeadline, ordering: .acquiringAndReleasing).exchanged
    }

    /// Marks the shutdown finished: whether it was clean (before the deadline), or nil when it
    /// had already finished.
    func finish() -> Bool? {
        let previous = state.exchange(Self.finished, ordering: .acquiringAndReleasing)
        return previous == Self.finished ? nil : previous == Self.running
    }
}
