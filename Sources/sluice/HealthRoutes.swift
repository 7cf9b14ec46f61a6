import SluiceHTTP
import Synchronization

/// Whether the service takes traffic: not while the server drains for shutdown.
final class Readiness: Sendable {
    private let serverBox = Mutex<HTTPServer?>(nil)

    var server: HTTPServer? {
        get { serverBox.withLock { $0 } }
        set { serverBox.withLock { $0 = newValue } }
    }

    var isReady: Bool { !(server?.isDraining ?? true) }
}

/// `GET /healthz` (the process serves) and `GET /readyz` (it takes traffic).
enum HealthRoutes {
    static func make(readiness: Readiness) -> [Route] {
        [
            Route("/healthz", methods: [.get], allow: "GET, HEAD") { _, response in
                response.body.write("{\"status\":\"ok\"}")
            },
            Route("/readyz", methods: [.get], allow: "GET, HEAD") { _, response in
                if readiness.isReady {
                    response.body.write("{\"status\":\"ready\"}")
                } else {
                    response.status = .serviceUnavailable
                    response.retryAfterSeconds = 1
                    response.body.write("{\"status\":\"draining\"}")
                }
            },
        ]
    }
}
