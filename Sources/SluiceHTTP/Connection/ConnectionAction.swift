/// What `ConnectionMachine` asks its driver to do next: one action per event, a plain value
/// (no payload allocates). The driver performs it and reports back with the next event
/// (`.performed`, or the outcome the action asks for) until the machine answers `.wait`.
package enum ConnectionAction: Equatable, Sendable {
    /// Nothing to do until the next outside event.
    case wait
    /// Call the handler's `screen` with the head that fills the first `headLength` bytes of the
    /// input (no body yet); report `.screened`.
    case screen(headLength: Int)
    /// Call the handler's `respond` with the head and the `bodyLength` body bytes after it
    /// (decoded in place when chunked); report `.responded`.
    case respond(headLength: Int, bodyLength: Int)
    /// Run the completed deferred response's fill on a fresh response; report `.deferredFilled`.
    case fillDeferredResponse
    /// Queue `HTTP/1.1 100 Continue`.
    case writeContinue
    /// Queue the response the handler filled, framed as `response` says, then tell the handler
    /// (`didRespond`) with its tag and the time since `response.startedAt`.
    case writeResponse(OutgoingResponse)
    /// Queue the error response for `error` (with `Connection: close`) and tell the handler
    /// (`didReject`).
    case writeError(HTTPParseError)
    /// Send the queued output: all of it, or up to EAGAIN (report `.outputBlocked` and watch for
    /// writability), or fail (report `.connectionReset`).
    case send
    /// Make room for `bytes` more bytes in the input buffer (a sized body is read into one buffer).
    case reserveInput(bytes: Int)
    /// Stop delivering input (back-pressure, EOF, a deferred response's pipelining bound).
    case suspendReading
    /// Deliver input again.
    case resumeReading
    /// Publish the deadline for the timer: `deadlinePassed` is due at `at` (0: none).
    case armDeadline(DeadlineKind, at: UInt64)
    /// Half-close our side (the last response said `Connection: close`): input is discarded
    /// until EOF or the linger deadline (RFC 9112 §9.6).
    case lingerClose
    /// The deferred response being awaited will never be sent: mark it cancelled.
    case cancelDeferredResponse
    /// Close now: cancel the sources; the fd closes, and the server forgets the connection, in
    /// the last cancel handler.
    case close
}

/// Which limit a published deadline enforces.
package enum DeadlineKind: Equatable, Sendable {
    case none
    /// The head must complete (408 when it passes); a new connection's first head counts from accept.
    case header
    /// The body must arrive at the minimum rate (408).
    case body
    /// A kept-alive connection may wait this long for its next request (close).
    case idle
    /// Queued output must make progress (close).
    case writeStall
    /// The lingering close ends (close).
    case linger
}

/// How a response the handler filled is framed, and what its metrics need.
package struct OutgoingResponse: Equatable, Sendable {
    /// The request's method (a HEAD gets no body); nil when it is unknown.
    package var method: HTTPMethod?
    package var version: HTTPVersion
    /// Send `Connection: close`: nothing more is read after it.
    package var closes: Bool
    /// What `screen` left in `HTTPRequest.handlerTag`.
    package var handlerTag: Int
    /// When the request's first byte arrived (monotonic nanoseconds).
    package var startedAt: UInt64
}
