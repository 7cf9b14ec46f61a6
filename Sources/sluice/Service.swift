import Dispatch
import Glibc
import Logging
import SluiceHTTP
import SluiceMetrics

/// Wires the server and its routes, handles SIGTERM/SIGINT, and shuts down in order:
/// stop accepting, finish in-flight requests, drain, exit 0.
final class Service: Sendable {
    private let server: HTTPServer
    private let pipeline: Pipeline
    private let observability: Observability
    private let shutdownTimeout: Duration
    private let logger: Logger

    init(http: HTTPServerConfiguration, pipeline settings: Pipeline.Settings, observability observabilitySettings: Observability.Settings,
         shutdownTimeout: Duration, logger: Logger) throws {
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        let fdLimit = Socket.raiseOpenFileLimit()
        let pipeline = try Pipeline(settings: settings, logger: logger)
        self.pipeline = pipeline
        // The pipeline may lower --max-body (the JetStream sink's message size limit).
        var http = http
        http.limits.maxBodyBytes = pipeline.maxBodyBytes
        let reference = ServerReference()
        let observability = Observability(
            settings: observabilitySettings,
            gauges: { pipeline.gauges(server: reference.server) },
            releasable: pipeline.releasableMemory(server: reference),
            onShed: { pipeline.flusher.nudge() },
            logger: logger)
        self.observability = observability
        let routes = [pipeline.route(observability: observability)]
            + OperationalRoutes.make(server: reference, observability: observability)
        let server = try HTTPServer(configuration: http, handler: Router(routes: routes, observer: observability), logger: logger)
        reference.server = server
        self.server = server
        if server.connectionLimit < http.maxConnections {
            logger.warning("connection limit lowered to keep file descriptors spare",
                           metadata: ["max_connections": "\(server.connectionLimit)", "fd_limit": "\(fdLimit)"])
        }
        logger.info("listening", metadata: ["host": "\(http.host)", "port": "\(server.port)", "fd_limit": "\(fdLimit)"])
    }

    /// Starts serving and never returns; the process exits after a signal-driven shutdown.
    /// The calling (main) thread waits for the signals.
    func run() -> Never {
        pipeline.start()
        observability.monitor.start()
        server.start()
        SignalWaiter.run([SIGTERM, SIGINT], queue: DispatchQueue(label: "sluice.signals")) { [self] number in
            beginShutdown(signal: number)
        }
    }

    private func beginShutdown(signal number: Int32) {
        guard !server.isDraining else {
            logger.info("second signal during shutdown; still draining")
            return
        }
        logger.info("shutting down", metadata: ["signal": "\(number)", "deadline": "\(shutdownTimeout)"])
        let due = ContinuousClock.now + shutdownTimeout
        // Durable waiters hear 503 before the server's deadline closes their connections, if
        // their items are not stored by then; the flusher keeps running until the drain.
        pipeline.durability?.capDeadlines(within: shutdownTimeout - min(.seconds(1), shutdownTimeout / 5))
        server.shutdown(deadline: shutdownTimeout) { [logger, pipeline] clean in
            // Every acknowledged item is in the buffer by now; write it all out.
            let unwritten = pipeline.drain(deadline: max(due, ContinuousClock.now + .seconds(1)))
            if unwritten > 0 {
                logger.critical("shutdown deadline reached with items not written", metadata: ["items": "\(unwritten)"])
                exit(1)
            }
            logger.info("shutdown complete", metadata: ["connections_closed_in_time": "\(clean)"])
            exit(0)
        }
    }
}
