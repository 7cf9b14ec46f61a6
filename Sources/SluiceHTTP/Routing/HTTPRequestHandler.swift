/// What the server calls for each request. Calls for one connection are serial, on that
/// connection's queue; calls for different connections run concurrently.
public protocol HTTPRequestHandler: Sendable {
    /// Called when the head is complete and before any body byte is read (so also before
    /// `100 Continue` is sent). Fill `response` and return `.answered` to answer at once — e.g.
    /// 404, 405, 413, 415 or 503 — without reading the body; return `.readBody` to read it.
    /// The handler may set `request.handlerTag` (e.g. the matched route); the later calls for
    /// this request see it.
    func screen(_ request: inout HTTPRequest, _ response: inout HTTPResponse) -> ScreenDecision

    /// Called with the whole body. Fill `response`, or call `response.answerLater()` and
    /// complete the returned `DeferredResponse` from any queue (copy what you need of the
    /// request first: its views are valid only during this call).
    func respond(to request: HTTPRequest, _ response: inout HTTPResponse)

    /// Called after each response is queued, with the `handlerTag` its `screen` set and the
    /// time from head to response, for metrics.
    func didRespond(handlerTag: Int, status: HTTPStatus, durationNanoseconds: UInt64)

    /// Called when the server answers on its own (malformed request, timeout, overload).
    func didReject(status: HTTPStatus)
}

/// What `HTTPRequestHandler.screen` decided about a request whose head has arrived.
public enum ScreenDecision: Sendable, Equatable {
    /// Read the body, then call `respond`.
    case readBody
    /// The response is filled: send it without reading the body. A body that has not fully
    /// arrived leaves the connection unusable, so it then closes after the response.
    case answered
}

extension HTTPRequestHandler {
    public func didRespond(handlerTag: Int, status: HTTPStatus, durationNanoseconds: UInt64) {}
    public func didReject(status: HTTPStatus) {}
}
