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

/// `GET /healthz` (the process serves, and its sink can still write: 503 once the JetStream
/// client has given up its connection, which only a restart undoes), `GET /readyz` (it takes traffic: not while draining or
/// shedding load), `GET /metrics` (Prometheus text 0.0.4) and `GET /debug/memory` (JSON).
///
/// The health routes answer on every listener; the admin routes on the admin listener when
/// there is one (`--admin-port`), else on the main one.
enum OperationalRoutes {
    /// /healthz, /readyz, /metrics and /debug/memory.
    static func make(server: ServerReference, observability: Observability,
                     sinkFailure: @escaping @Sendable () -> String? = { nil }) -> [Route] {
        health(server: server, observability: observability, sinkFailure: sinkFailure) + admin(observability: observability)
    }

    /// /healthz and /readyz; `sinkFailure` says why the sink can never write again, or nil.
    static func health(server: ServerReference, observability: Observability,
                       sinkFailure: @escaping @Sendable () -> String? = { nil }) -> [Route] {
        [
            Route("/healthz", methods: [.get], allow: "GET, HEAD") { _, response in
                if let failure = sinkFailure() {
                    response.status = .serviceUnavailable
                    response.body.write(string: "{\"status\":\"failed\",\"error\":\"\(OperationalRoutes.jsonSafe(failure))\"}")
                } else {
                    response.body.write("{\"status\":\"ok\"}")
                }
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

    /// `text` without what a JSON string would need escaped (quotes, backslashes, controls).
    private static func jsonSafe(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0 != "\"" && $0 != "\\" }.map(Character.init))
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
