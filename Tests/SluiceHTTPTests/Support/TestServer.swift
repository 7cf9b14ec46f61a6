import Dispatch
import Glibc
import Logging
import SluiceHTTP
import SluiceTestSupport
import Synchronization
import Testing

/// An in-process server on an ephemeral loopback port with routes for the tests:
/// `/healthz`, `POST /echo` (answers the body it read), `POST /reject` (screens with 415),
/// `POST /later` (answers later: the test completes `deferred`) and `POST /tagged` (screen
/// keeps the `X-Tag` digits in `routeTag`, respond answers `tag=<routeTag>`; no tag: 401) and
/// `POST /spans` (reads the request only through the public accessors: `withBody`,
/// `withHeader`, `headerString`, and answers what it saw).
final class TestServer {
    let server: HTTPServer
    /// The deferred responses `POST /later` made, in request order, with each request's body.
    let deferred = DeferredLog()
    var port: Int { server.port }

    init(observer: (any RouteObserver)? = nil, configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let deferred = self.deferred
        let routes = [
            Route("/later", methods: [.post], allow: "POST") { request, response in
                let body = String(decoding: request.body, as: UTF8.self)
                let later = response.answerLater()
                deferred.withLock { $0.append((later, body)) }
            },
            Route("/healthz", methods: [.get], allow: "GET, HEAD") { _, response in
                response.body.write("{\"status\":\"ok\"}")
            },
            Route("/echo", methods: [.post, .put], allow: "POST, PUT") { request, response in
                response.contentType = "application/octet-stream"
                response.body.write(request.body)
            },
            Route("/reject", methods: [.post], allow: "POST", screen: { _, response in
                response.setError(.unsupportedMediaType, "unsupported content type")
                return .answered
            }) { _, _ in Issue.record("the screened route must not be called with a body") },
            Route("/tagged", methods: [.post], allow: "POST", screen: { request, response in
                guard let value = request.header("x-tag"), let tag = Int(String(decoding: value, as: UTF8.self)) else {
                    response.setError(.unauthorized, "no tag")
                    response.wwwAuthenticate = #"Bearer realm="test""#
                    return .answered
                }
                request.routeTag = tag
                return .readBody
            }) { request, response in
                response.body.write(string: "tag=\(request.routeTag)")
            },
            Route("/spans", methods: [.post], allow: "POST") { request, response in
                let bodyBytes = request.withBody { span in
                    (0..<span.byteCount).map { span.unsafeLoad(fromByteOffset: $0, as: UInt8.self) }
                }
                let tagLength = request.withHeader("x-tag") { span in span?.byteCount ?? -1 }
                let missing = request.withHeader("x-absent") { span in span == nil }
                response.body.write(string: "path=\(request.pathString) body=\(String(decoding: bodyBytes, as: UTF8.self)) ")
                response.body.write(string: "tag=\(request.headerString("x-tag") ?? "-") tagLength=\(tagLength) absent=\(missing)")
            },
        ]
        server = try HTTPServer(configuration: configuration, handler: Router(routes: routes, observer: observer), logger: logger)
        server.start()
    }

    deinit {
        guard !server.isDraining else { return }  // a test shut it down itself
        let done = DispatchSemaphore(value: 0)
        server.shutdown(deadline: .seconds(2)) { _ in done.signal() }
        _ = done.wait(timeout: .now() + .seconds(5))
    }

    func client(timeoutSeconds: Int = 5) throws -> RawClient {
        try RawClient(port: port, receiveTimeoutSeconds: timeoutSeconds)
    }

    /// The check every adversarial test ends with: a fresh connection still gets 200.
    func expectHealthy(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let client = try client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200, sourceLocation: sourceLocation)
        #expect(response.bodyText == "{\"status\":\"ok\"}", sourceLocation: sourceLocation)
    }
}


/// The deferred responses a test server's `POST /later` made, with each request's body.
final class DeferredLog: Sendable {
    private let entries = Mutex<[(response: DeferredResponse, body: String)]>([])

    func withLock<T>(_ body: (inout [(response: DeferredResponse, body: String)]) -> T) -> T {
        entries.withLock { body(&$0) }
    }
}
