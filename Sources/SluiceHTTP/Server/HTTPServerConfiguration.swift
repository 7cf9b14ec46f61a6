/// Everything the HTTP server can be tuned with; every limit has a documented default.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind (IPv4 dotted quad, or "::"/IPv6 literal).
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free port (see `HTTPServer.port`).
    public var port = 8080
    /// Request-line, header and body limits (414, 431, 413).
    public var limits = HTTPLimits()
    /// Open connections beyond this get a canned 503 at accept and are closed.
    public var maxConnections = 16_384
    /// Time allowed for a request's head (408 then close): from accept for a connection's first
    /// request, from the first byte for later ones. A new connection that sends nothing gets 408
    /// and is closed when it runs out.
    public var headerTimeout: Duration = .seconds(10)
    /// Longest stall while reading a body or writing a response (408 or close).
    public var bodyTimeout: Duration = .seconds(30)
    /// Slowest request body accepted, in bytes per second (408 then close), after Apache's
    /// mod_reqtimeout MinRate: the body is due `bodyTimeout` after the head, and each byte
    /// received moves that deadline 1/rate seconds later, never past now + `bodyTimeout`.
    /// A body of n bytes thus has `bodyTimeout` + n/rate to arrive. 0 turns the rate off (the
    /// deadline restarts on every byte: stall timeout only). Time spent unable to send a
    /// response (the client is not reading) is not charged to the body: the write stall has
    /// its own limit, `bodyTimeout` without progress, and the body clock restarts once the
    /// output drained. With `Expect: 100-continue` the clock starts as the 100 is sent.
    public var minBodyBytesPerSecond = 500
    /// How long a keep-alive connection may sit idle between requests before it is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// After a response with `Connection: close`, how long to discard what the client still
    /// sends before closing, so the client reads the response instead of a reset (RFC 9112 §9.6).
    public var lingerTimeout: Duration = .seconds(2)
    /// Initial size of a connection's read buffer.
    public var readBufferBytes = 16 * 1024
    /// Buffers that grew beyond this are freed rather than pooled (the default holds an
    /// 8 MiB body and its head).
    public var maxRetainedBufferBytes = 16 << 20
    /// Pooled idle buffers kept for reuse.
    public var maxIdleBuffers = 256
    /// Most bytes the idle buffers may hold in all: large bodies reuse large buffers up to
    /// this bound instead of allocating one per request.
    public var maxIdleBufferBytes = 32 << 20
    /// A connection stops reading new requests while this much response data is unsent.
    public var maxPendingOutputBytes = 1024 * 1024
    /// Serial event queues that connections are spread over; 0 means one per core.
    public var eventQueues = 0
    /// listen(2) backlog.
    public var backlog: Int32 = 4096

    public init() {}
}
