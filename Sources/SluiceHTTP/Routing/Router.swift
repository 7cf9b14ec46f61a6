/// A route: a path, the methods it allows and what it does.
public struct Route: Sendable {
    /// The path to match exactly (no query), e.g. "/batch".
    public let path: String
    /// Allowed methods; HEAD is allowed wherever GET is.
    public let methods: [HTTPMethod]
    /// The `Allow` header value, e.g. "GET, HEAD".
    public let allow: StaticString
    /// Optional early decision before the body is read; see `HTTPRequestHandler.screen`.
    public let screen: (@Sendable (HTTPRequest, inout HTTPResponse) -> Bool)?
    /// Fills the response from the whole request.
    public let respond: @Sendable (HTTPRequest, inout HTTPResponse) -> Void

    public init(_ path: String, methods: [HTTPMethod], allow: StaticString,
                screen: (@Sendable (HTTPRequest, inout HTTPResponse) -> Bool)? = nil,
                respond: @escaping @Sendable (HTTPRequest, inout HTTPResponse) -> Void) {
        self.path = path
        self.methods = methods.contains(.get) && !methods.contains(.head) ? methods + [.head] : methods
        self.allow = allow
        self.screen = screen
        self.respond = respond
    }
}

/// Observes answered requests, for metrics. `routeIndex` is the matched route's position in
/// the router's list, nil when no route matched (404) or the server answered on its own.
public protocol RouteObserver: Sendable {
    func observe(routeIndex: Int?, status: HTTPStatus, durationNanoseconds: UInt64)
}

/// Dispatches requests to routes by exact path: 404 for unknown paths, 405 with `Allow` for
/// methods a route does not allow.
public struct Router: HTTPRequestHandler {
    private let routes: [Route]
    private let observer: (any RouteObserver)?

    public init(routes: [Route], observer: (any RouteObserver)? = nil) {
        self.routes = routes
        self.observer = observer
    }

    private func routeIndex(for request: HTTPRequest) -> Int? {
        let path = request.path
        for (index, route) in routes.enumerated() {
            let matches = route.path.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(path) }
                ?? route.path.utf8.elementsEqual(path)
            if matches { return index }
        }
        return nil
    }

    private func route(for request: HTTPRequest) -> Route? {
        routeIndex(for: request).map { routes[$0] }
    }

    public func screen(_ request: HTTPRequest, _ response: inout HTTPResponse) -> Bool {
        guard let route = route(for: request) else {
            response.setError(.notFound, "not found")
            return true
        }
        guard route.methods.contains(request.method) else {
            response.setError(.methodNotAllowed, "method not allowed")
            response.allow = route.allow
            return true
        }
        return route.screen?(request, &response) ?? false
    }

    public func respond(to request: HTTPRequest, _ response: inout HTTPResponse) {
        guard let route = route(for: request) else {
            response.setError(.notFound, "not found")
            return
        }
        route.respond(request, &response)
    }

    public func didRespond(to request: HTTPRequest, status: HTTPStatus, durationNanoseconds: UInt64) {
        guard let observer else { return }
        observer.observe(routeIndex: routeIndex(for: request), status: status, durationNanoseconds: durationNanoseconds)
    }

    public func didReject(status: HTTPStatus) {
        observer?.observe(routeIndex: nil, status: status, durationNanoseconds: 0)
    }
}
