/// What the server calls for each request. Calls for one connection are serial, on that
/// connection's queue; calls for different connections run concurrently.
public protocol HTTPRequestHandler: Sendable {
    /// Called when the head is complete and before any body byte is read (so also before
    /// `100 Continue` is sent). Fill `response` and return true to answer at once — e.g. 404,
    /// 405, 413, 415 or 503 — without reading the body; return false to read it.
    func screen(_ request: HTTPRequest, _ response: inout HTTPResponse) -> Bool

    /// Called with the whole body. Fill `response`.
    func respond(to request: HTTPRequest, _ response: inout HTTPResponse)

    /// Called after each response is queued, with the time from head to response, for metrics.
    func didRespond(to request: HTTPRequest, status: HTTPStatus, durationNanoseconds: UInt64)

    /// Called when the server answers on its own (malformed request, timeout, overload).
    func didReject(status: HTTPStatus)
}

extension HTTPRequestHandler {
    public func didRespond(to request: HTTPRequest, status: HTTPStatus, durationNanoseconds: UInt64) {}
    public func didReject(status: HTTPStatus) {}
}
