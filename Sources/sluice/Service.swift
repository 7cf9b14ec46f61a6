import Dispatch
import Glibc
import Logging
import SluiceAccess
import SluiceHTTP
import SluiceMetrics

/// Wires the servers and their routes, handles SIGTERM/SIGINT (shutdown) and SIGHUP (reload
/// of the auth file), and shuts down in order: stop accepting, finish in-flight requests,
/// drain, exit 0.
///
/// With an admin listener (`--admin-port`) the main listener serves only `/batch`, `/healthz`
/// and `/readyz`; `/metrics` and `/debug/memory` move to the admin listener, which answers the
/// health routes too. The admin listener keeps serving while the main one drains (its
/// `/readyz` says so) and closes when the process exits.
final class Service: Sendable {
    /// `--auth-file`: the file and the tenants loaded from it.
    struct Access: Sendable {
        var path: String
        var control: AccessControl
    }

    private let server: HTTPServer
    private let adminServer: HTTPServer?
    private let pipeline: Pipeline
    private let observability: Observability
    private let access: Access?
    private let shutdownTimeout: Duration
    private let logger: Logger

    init(http: HTTPServerConfiguration, admin: HTTPServerConfiguration?, pipeline settings: Pipeline.Settings,
         observability observabilitySettings: Observability.Settings, access: Access?, shutdownTimeout: Duration,
         logger: Logger) throws {
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        self.access = access
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
            access: access?.control,
            onShed: { pipeline.flusher.nudge() },
            logger: logger)
        self.observability = observability
        let batch = pipeline.route(observability: observability, access: access?.control)
        let health = OperationalRoutes.health(server: reference, observability: observability, sinkFailure: { pipeline.sinkFailure })
        let operations = OperationalRoutes.admin(observability: observability)
        let mainRoutes = admin == nil ? [batch] + health + operations : [batch] + health
        let server = try HTTPServer(configuration: http, handler: Router(routes: mainRoutes, observer: observability), logger: logger)
        reference.server = server
        self.server = server
        adminServer = try admin.map { configuration in
            try HTTPServer(configuration: configuration, handler: Router(routes: health + operations, observer: observability), logger: logger)
        }
        if server.connectionLimit < http.maxConnections {
            logger.warning("connection limit lowered to keep file descriptors spare",
                           metadata: ["max_connections": "\(server.connectionLimit)", "fd_limit": "\(fdLimit)"])
        }
        logger.info("listening", metadata: ["host": "\(http.host)", "port": "\(server.port)", "fd_limit": "\(fdLimit)"])
        if let admin, let adminServer {
            // Not "listening ... port=": tools read the main port from that line.
            logger.info("admin listener ready: /metrics, /debug/memory, /healthz, /readyz",
                        metadata: ["admin_host": "\(admin.host)", "admin_port": "\(adminServer.port)"])
        }
        if let access {
            logger.info("access control on", metadata: [
                "auth_file": "\(access.path)", "tenants": "\(access.control.tenantNames.count)"])
        } else if !Self.isLoopback(http.host) {
            logger.warning("listening on a non-loopback address without --auth-file: anyone who reaches it can post batches",
                           metadata: ["host": "\(http.host)"])
        }
    }

    /// Starts serving and never returns; the process exits after a signal-driven shutdown.
    /// The calling (main) thread waits for the signals.
    func run() -> Never {
        pipeline.start()
        observability.monitor.start()
        server.start()
        adminServer?.start()
        SignalWaiter.run([SIGTERM, SIGINT, SIGHUP], queue: DispatchQueue(label: "sluice.signals")) { [self] number in
            if number == SIGHUP {
                reloadAccess()
            } else {
                beginShutdown(signal: number)
            }
        }
    }

    /// SIGHUP: reads the auth file again. A file that does not parse changes nothing.
    private func reloadAccess() {
        guard let access else {
            logger.notice("SIGHUP: nothing to reload (no --auth-file)")
            return
        }
        do {
            let change = access.control.replace(with: try AuthFile.load(path: access.path))
            logger.notice("auth file reloaded", metadata: [
                "auth_file": "\(access.path)", "tokens": "\(change.tokens)", "tenants_kept": "\(change.kept)",
                "tenants_added": "\(change.added.joined(separator: ","))",
                "tenants_removed": "\(change.removed.joined(separator: ","))"])
        } catch {
            logger.error("auth file reload failed; keeping the previous tenants", metadata: [
                "auth_file": "\(access.path)", "error": "\(error)"])
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

    /// Whether `host` names the loopback interface: 127.0.0.0/8, ::1 or an IPv4-mapped loopback.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        return withUnsafeBytes(of: &v6) { bytes in
            let isV6Loopback = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
            let isMappedV4Loopback = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
            return isV6Loopback || isMappedV4Loopback
        }
    }
}
