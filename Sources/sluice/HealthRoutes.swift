import SluiceHTTP
import SluiceMetrics
import Synchronization

/// The server, once it exists: the routes are built before it and ask it later.
final class ServerReference: Sendable {
    private let box = Mutex<HTTPServer?>(nil)

    var server: HTTPServer? {
        get { box.withLock { $0 } }
        set { box.withLock { $0 = newValue } }
    }

    /// Draining for shutdown (or not started yet).
    var isDraining: Bool { server?.isDraining ?? true }
}

/// `GET /healthz` (the process serves), `GET /readyz` (it takes traffic: not while draining or
/// shedding load), `GET /metrics` (Prometheus text 0.0.4) and `GET /debug/memory` (JSON).
///
/// The health routes answer on every listener; the admin routes on the admin listener when
/// there is one (`--admin-port`), else on the main one.
enum OperationalRoutes {
    /// /healthz, /readyz, /metrics and /debug/memory.
    static func make(server: ServerReference, observability: Observability) -> [Route] {
        health(server: server, observability: observability) + admin(observability: observability)
    }

    /// /healthz and /readyz.
    static func health(server: ServerReference, observability: Observability) -> [Route] {
        [
            Route("/healthz", methods: [.get], allow: "GET, HEAD") { _, response in
                response.body.write("{\"status\":\"ok\"}")
            },
            Route("/readyz", methods: [.get], allow: "GET, HEAD") { _, response in
                if server.isDraining {
                    response.status = .serviceUnavailable
                    response.retryAfterSeconds = 1
                    response.body.write("{\"status\":\"draining\"}")
                } else if observability.memoryGuard.isShedding {
                    response.status = .serviceUnavailable
                    response.retryAfterSeconds = 1
                    response.body.write("{\"status\":\"shedding\"}")
                } else {
                    response.body.write("{\"status\":\"ready\"}")
                }
            },
        ]
    }

    /// /metrics and /debug/memory.
    static func admin(observability: Observability) -> [Route] {
        [
            Route("/metrics", methods: [.get], allow: "GET, HEAD") { _, response in
                response.contentType = "text/plain; version=0.0.4; charset=utf-8"
                observability.exposition().withUnsafeBytes { response.body.write($0) }
            },
            Route("/debug/memory", methods: [.get], allow: "GET, HEAD") { _, response in
                MemoryDebugDocument.render(monitor: observability.monitor, memory: observability.memoryGuard.status())
                    .withUnsafeBytes { response.body.write($0) }
            },
        ]
    }
}
