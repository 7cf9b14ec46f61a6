import Dispatch
import Glibc
import Synchronization

/// One accepted TCP connection: its sources, buffers and request state machine.
///
/// Thread confinement: every mutable property is touched only on `queue` (a serial queue per
/// connection targeting the shared work queue), except `deadline`, which the timeout sweeper
/// reads from its own queue and is atomic. That rule is why the class is `@unchecked Sendable`.
///
/// Lifecycle: sources are created in `start()`; `close()` cancels them; the fd is closed only
/// in the last cancel handler, which also breaks the source -> handler -> connection cycle.
final class Connection: @unchecked Sendable {
    enum State {
        /// Waiting for the first byte of a request.
        case idle
        /// Some bytes of a head have arrived.
        case head
        /// The head is parsed; reading the body.
        case body(headLength: Int, framing: BodyReading)
        /// The handler answers the request later (`HTTPResponse.answerLater`); its bytes are
        /// consumed and nothing more is parsed until it does.
        case awaitingResponse(AwaitedResponse)
        /// A final response with `Connection: close` is queued; nothing more is parsed.
        case closingAfterWrite
        /// Our side is shut down for writing; discarding input until EOF or the linger timeout.
        case lingering
        case closed
    }

    /// How the body being read is framed: its one source of truth while reading it.
    enum BodyReading {
        /// A `Content-Length` body of this many bytes.
        case length(Int)
        /// A chunked body, decoded in place as it arrives.
        case chunked(ChunkedDecoder)
    }

    /// What a deferred response needs of its request once the request's views are gone.
    struct AwaitedResponse {
        let generation: UInt64
        /// Weak: the handler owns it, and releasing it unanswered must reach its deinit (500).
        weak var deferred: DeferredResponse?
        let method: HTTPMethod
        let version: HTTPVersion
        let requestWantsClose: Bool
        let handlerTag: Int
        let startedAt: UInt64
    }

    let fd: Int32
    let queue: DispatchQueue
    let context: ServerContext
    /// When the current phase times out, in monotonic nanoseconds (0: never).
    let deadline = Atomic<UInt64>(0)

    var state = State.idle
    var parser: HeadParser
    var input: ByteBuffer?
    var output: ByteBuffer?
    var response: HTTPResponse
    var readSource: DispatchSourceRead?
    var writeSource: DispatchSourceWrite?
    var isReadSuspended = false
    var isWriteSuspended = true
    var liveSources = 0
    var peerClosed = false
    var isShuttingDown = false
    var headStartedAt: UInt64 = 0
    /// What the handler's `screen` left in `HTTPRequest.handlerTag` for the current request.
    var handlerTag = -1
    /// What the route's `screen` left in `HTTPRequest.routeTag` for the current request.
    var routeTag = -1
    /// When the connection was accepted: the first request's head is due `headerTimeout` later.
    var acceptedAt: UInt64 = 0
    /// Whether a request was answered: from then on the idle timeout applies between requests.
    var hasServedRequest = false
    /// The rate-based deadline of the body being read (meaningful in `.body` only).
    var bodyDeadline = BodyDeadline(now: 0, timeout: .zero, minBytesPerSecond: 0)
    var dateCache = HTTPDateCache()
    /// Numbers this connection's deferred responses, so a stale completion is recognised.
    var deferredGeneration: UInt64 = 0
    /// The deferred response `answerLater` made for the request being answered.
    var pendingDeferred: DeferredResponse?

    init(fd: Int32, context: ServerContext) {
        self.fd = fd
        self.context = context
        self.queue = DispatchQueue(label: "sluice.connection", target: context.eventQueueForNewConnection())
        self.parser = HeadParser(limits: context.configuration.limits)
        self.response = HTTPResponse(body: ByteBuffer(capacity: 512))
        self.response.owner = self
    }

    /// Registers the read source and arms the first request's header deadline (from accept,
    /// so a connection that never sends a byte is not held for the idle timeout). Call once,
    /// right after accept.
    func start() {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        readSource = source
        liveSources = 1
        acceptedAt = MonotonicClock.now()
        deadline.store(acceptedAt &+ context.configuration.headerTimeout.nanoseconds, ordering: .relaxed)
        // Safe without the queue: no event can run before resume().
        isShuttingDown = context.isDraining.load(ordering: .relaxed)
        // Handlers last: ThreadSanitizer orders with a handler only what happened before it
        // was set (dispatch_resume is not modelled), so every write above must precede them.
        source.setEventHandler { [unowned self] in self.readable() }
        source.setCancelHandler { [self] in self.sourceCancelled() }
        source.resume()
    }

    func setDeadline(after duration: Duration) {
        deadline.store(MonotonicClock.now() &+ duration.nanoseconds, ordering: .relaxed)
    }

    /// Closes at once: cancels the sources; the last cancel handler closes the fd.
    func close() {
        if case .closed = state { return }
        if case .awaitingResponse(let awaited) = state { awaited.deferred?.cancelled.store(true, ordering: .relaxed) }
        state = .closed
        deadline.store(0, ordering: .relaxed)
        if let readSource {
            readSource.cancel()
            if isReadSuspended { readSource.resume(); isReadSuspended = false }
        }
        if let writeSource {
            writeSource.cancel()
            if isWriteSuspended { writeSource.resume(); isWriteSuspended = false }
        }
    }

    /// Runs when a source's cancellation completes; the last one tears the connection down.
    func sourceCancelled() {
        liveSources -= 1
        guard liveSources == 0 else { return }
        readSource?.setEventHandler(handler: nil)
        writeSource?.setEventHandler(handler: nil)
        readSource = nil
        writeSource = nil
        Glibc.close(fd)
        releaseBuffers(force: true)
        context.unregister(self)
    }

    /// Gives the buffers back to the pool when they hold nothing this connection still needs.
    func releaseBuffers(force: Bool = false) {
        if let input, force || (input.readableBytes == 0 && isIdleOrClosed) {
            context.buffers.give(input)
            self.input = nil
        }
        if let output, force || output.readableBytes == 0 {
            context.buffers.give(output)
            self.output = nil
        }
    }

    var isIdleOrClosed: Bool {
        switch state {
        case .idle, .lingering, .closed: true
        default: false
        }
    }

    func suspendReading() {
        guard !isReadSuspended, let readSource else { return }
        readSource.suspend()
        isReadSuspended = true
    }

    func resumeReading() {
        guard isReadSuspended, !peerClosed, let readSource else { return }
        readSource.resume()
        isReadSuspended = false
    }

    /// Graceful shutdown: close now if idle, else let the request in progress finish and
    /// answer it with `Connection: close`.
    func beginShutdown() {
        isShuttingDown = true
        if case .idle = state, (input?.readableBytes ?? 0) == 0, (output?.readableBytes ?? 0) == 0, !hasUnreadBytes {
            close()
        }
    }

    /// Whether the client sent bytes the read source has not delivered yet: a request that
    /// already arrived is served (with `Connection: close`), not dropped with the idle ones.
    private var hasUnreadBytes: Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }
}

@available(*, unavailable)
extension HTTPResponse: Sendable {}
