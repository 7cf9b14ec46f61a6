import SluiceSupport

/// A response a handler fills in. The body buffer belongs to the connection and is reused
/// across requests, so writing a small body allocates nothing in steady state.
public struct HTTPResponse {
    public var status: HTTPStatus = .ok
    public var contentType: StaticString? = "application/json"
    /// Seconds for a `Retry-After` header (503).
    public var retryAfterSeconds: Int?
    /// Methods for an `Allow` header (405).
    public var allow: StaticString?
    /// A `WWW-Authenticate` challenge (401), e.g. `Bearer realm="sluice"`.
    public var wwwAuthenticate: StaticString?
    /// Ask the connection to close after this response.
    public var closeConnection = false
    /// The body; write into it.
    public let body: ByteBuffer
    /// Set by `answerLater()`: the connection waits for the deferred completion.
    private(set) var isDeferred = false
    /// The connection this response belongs to (for `answerLater`); nil outside a server.
    weak var owner: Connection?

    public init(body: ByteBuffer) {
        self.body = body
    }

    /// Clears everything for the next request, keeping the body storage.
    public mutating func reset() {
        status = .ok
        contentType = "application/json"
        retryAfterSeconds = nil
        allow = nil
        wwwAuthenticate = nil
        closeConnection = false
        isDeferred = false
        body.clear()
    }

    /// Answers this request later: call from `respond`, then `complete` the result exactly once,
    /// from any queue. Until then the connection sends nothing more and handles no further
    /// request (pipelined bytes wait in its read buffer, which it stops filling once it holds
    /// `readBufferBytes`), so responses keep their order. If the client goes away meanwhile,
    /// `isCancelled` turns true and completing does nothing; a `DeferredResponse` released
    /// without being completed answers 500.
    public mutating func answerLater() -> DeferredResponse {
        precondition(!isDeferred, "answerLater() called twice for one request")
        isDeferred = true
        guard let owner else { return DeferredResponse(owner: nil, generation: 0) }
        return owner.beginDeferredResponse()
    }

    /// Sets a status with a JSON body `{"error": "<message>"}`; the message is escaped.
    public mutating func setError(_ status: HTTPStatus, _ message: String) {
        self.status = status
        contentType = "application/json"
        body.clear()
        body.write("{\"error\":\"")
        body.write(jsonEscaped: message)
        body.write("\"}")
    }
}

extension ByteBuffer {
    /// Appends `text` escaped for use inside a JSON string (RFC 8259 §7).
    public func write(jsonEscaped text: String) {
        JSONEscaping.escape(text) { write($0) }
    }
}
