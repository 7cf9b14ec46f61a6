/// A route: a path, the methods it allows and what it does.
public struct Route: Sendable {
    /// The path to match exactly (no query), e.g. "/batch".
    public let path: String
    /// Allowed methods; HEAD is allowed wherever GET is.
    public let methods: [HTTPMethod]
    /// The `Allow` header value, e.g. "GET, HEAD".
    public let allow: StaticString
    /// Optional early decision before the body is read; see `HTTPRequestHandler.screen`. It may
    /// set `request.routeTag` for its `respond`.
    public let screen: (@Sendable (inout HTTPRequest, inout HTTPResponse) -> ScreenDecision)?
    /// Fills the response from the whole request.
    public let respond: @Sendable (HTTPRequest, inout HTTPResponse) -> Void

    public init(_ path: String, methods: [HTTPMethod], allow: StaticString,
                screen: (@Sendable (inout HTTPRequest, inout HTTPResponse) -> ScreenDecision)? = nil,
                respond: @escaping @Sendable (HTTPRequest, inout HTTPResponse) -> Void) {
        self.path = path
        self.methods = methods.contains(.get) && !methods.contains(.head) ? methods + [.head] : methods
        self.allow = allow
        self.screen = screen
        self.respond = respond
    }
}

/// Observes answered requests, for metrics. The router asks once per route, when it is built,
/// which slot that route's requests count in, so metrics never depend on the order of routes
/// (two routers, e.g. a main and an admin listener, can share one observer).
public protocol RouteObserver: Sendable {
    /// The slot for requests matched to the route at `path`.
    func slot(forRoutePath path: String) -> Int
    /// Records one answer. `slot` is nil when no route matched (404) or the server answered on
    /// its own (malformed request, timeout, overload).
    func observe(slot: Int?, status: HTTPStatus, durationNanoseconds: UInt64)
}

/// Dispatches requests to routes by exact path: 404 for unknown paths, 405 with `Allow` for
/// methods a route does not allow. The route is resolved once per request, in `screen`, and
/// carried to `respond` and `didRespond` in `HTTPRequest.handlerTag`.
public struct Router: HTTPRequestHandler {
    private let routes: [Route]
    private let observer: (any RouteObserver)?
    /// The observer's slot for each route, by route index.
    private let slots: [Int]

    public init(routes: [Route], observer: (any RouteObserver)? = nil) {
        self.routes = routes
        self.observer = observer
        self.slots = routes.map { observer?.slot(forRoutePath: $0.path) ?? 0 }
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

    public func screen(_ request: inout HTTPRequest, _ response: inout HTTPResponse) -> ScreenDecision {
        guard let index = routeIndex(for: request) else {
            response.setError(.notFound, "not found")
            return .answered
        }
        request.handlerTag = index
        let route = routes[index]
        guard route.methods.contains(request.method) else {
            response.setError(.methodNotAllowed, "method not allowed")
            response.allow = route.allow
            return .answered
        }
        guard let screen = route.screen else { return .readBody }
        request.routeTag = -1
        let decision = screen(&request, &response)
        request.handlerTag = index  // the route's own tag is routeTag; this one stays the router's
        return decision
    }

    public func respond(to request: HTTPRequest, _ response: inout HTTPResponse) {
        guard routes.indices.contains(request.handlerTag) else {
            response.setError(.notFound, "not found")
            return
        }
        routes[request.handlerTag].respond(request, &response)
    }

    public func didRespond(handlerTag: Int, status: HTTPStatus, durationNanoseconds: UInt64) {
        guard let observer else { return }
        let slot = routes.indices.contains(handlerTag) ? slots[handlerTag] : nil
        observer.observe(slot: slot, status: status, durationNanoseconds: durationNanoseconds)
    }

    public func didReject(status: HTTPStatus) {
        observer?.observe(slot: nil, status: status, durationNanoseconds: 0)
    }
}
