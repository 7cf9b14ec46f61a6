import Dispatch
import Glibc
import SluiceSupport
import Synchronization

/// One accepted TCP connection: the Dispatch driver of its `ConnectionMachine`.
///
/// The machine decides everything HTTP; this class performs its actions and reports back
/// (`run`): it receives into the input buffer, sends the output buffer, suspends and resumes
/// the read source, watches for writability after EAGAIN, publishes the deadline for the
/// timeout sweeper, calls the handler, serialises responses and closes. What it keeps itself
/// is I/O bookkeeping: the sources and whether each is suspended (suspend/resume must stay
/// balanced, and a suspended source must be resumed after cancelling it), how many are live,
/// the pooled buffers, and the deferred response `answerLater` made.
///
/// Thread confinement: every mutable property is touched only on `queue` (a serial queue per
/// connection targeting the shared work queue), except `deadline`, which the timeout sweeper
/// reads from its own queue and is atomic. That rule is why the class is `@unchecked Sendable`.
///
/// Lifecycle: sources are created in `start()`; the machine's `.close` cancels them; the fd is
/// closed only in the last cancel handler, which also breaks the source -> handler ->
/// connection cycle and unregisters the connection from the server.
final class Connection: @unchecked Sendable {
    let fd: Int32
    let queue: DispatchQueue
    let context: ServerContext
    /// When the machine's current deadline passes, in monotonic nanoseconds (0: never).
    let deadline = Atomic<UInt64>(0)

    var machine: ConnectionMachine
    var input: ByteBuffer?
    var output: ByteBuffer?
    var response: HTTPResponse
    var writer = ResponseWriter()
    var readSource: DispatchSourceRead?
    var writeSource: DispatchSourceWrite?
    var isReadSuspended = false
    var isWriteSuspended = true
    var liveSources = 0
    /// Numbers this connection's deferred responses, so a stale completion is recognised.
    var deferredGeneration: UInt64 = 0
    /// The deferred response `answerLater` made during the current handler call.
    var pendingDeferred: DeferredResponse?
    /// What the route's `screen` left in `HTTPRequest.routeTag`, for the same request's `respond`
    /// (opaque to the connection and its machine: one request is screened, then answered).
    var routeTag = -1
    /// The deferred response being awaited. Weak: the handler owns it, and releasing it
    /// unanswered must reach its deinit (500).
    weak var awaitedDeferred: DeferredResponse?

    init(fd: Int32, context: ServerContext) {
        self.fd = fd
        self.context = context
        self.queue = DispatchQueue(label: "sluice.connection", target: context.eventQueueForNewConnection())
        self.machine = ConnectionMachine(configuration: context.configuration)
        self.response = HTTPResponse(body: ByteBuffer(capacity: 512))
        self.response.owner = self
    }

    /// Registers the read source and starts the machine (which arms the first request's
    /// header deadline, from accept). Call once, right after accept.
    func start() {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        readSource = source
        liveSources = 1
        // Safe without the queue: no event can run before resume().
        run(.started(now: SystemClock.monotonicNanoseconds(), shuttingDown: context.isDraining.load(ordering: .relaxed)))
        // Handlers last: ThreadSanitizer orders with a handler only what happened before it
        // was set (dispatch_resume is not modelled), so every write above must precede them.
        // unowned(unsafe): the server's registry and the cancel handler keep the connection
        // alive for as long as a source can deliver an event, and a checked unowned reference
        // would cost a slow (side-table: the response holds a weak one) retain per event.
        source.setEventHandler { [unowned(unsafe) self] in self.readable() }
        source.setCancelHandler { [self] in self.sourceCancelled() }
        source.resume()
    }

    /// Feeds `event` to the machine and performs the actions it answers, reporting each
    /// outcome back, until it waits. `fill` is the completed deferred response's.
    func run(_ event: ConnectionEvent, fill: ((inout HTTPResponse) -> Void)? = nil) {
        var event = event
        // A local reference: passing the stored property would retain and release it per call.
        var input = self.input
        while true {
            let action = machine.next(after: event, input: input, unsentOutputBytes: output?.readableBytes ?? 0)
            switch action {
            case .wait:
                return
            case .screen(let headLength):
                event = screen(headLength: headLength)
            case .respond(let headLength, let bodyLength):
                event = respond(headLength: headLength, bodyLength: bodyLength)
            case .fillDeferredResponse:
                response.reset()
                fill?(&response)
                event = .deferredFilled(closeRequested: response.closeConnection, draining: isDraining)
            case .writeContinue:
                writer.writeContinue(to: outputBuffer(reusing: &input))
                event = .performed
            case .writeResponse(let outgoing):
                writer.write(&response, method: outgoing.method, version: outgoing.version, closes: outgoing.closes,
                             to: outputBuffer(reusing: &input))
                context.handler.didRespond(handlerTag: outgoing.handlerTag, status: response.status,
                                           durationNanoseconds: SystemClock.monotonicNanoseconds() &- outgoing.startedAt)
                event = .performed
            case .writeError(let error):
                response.reset()
                response.setError(error.status, error.message)
                writer.write(&response, method: nil, version: .http11, closes: true, to: outputBuffer(reusing: &input))
                context.handler.didReject(status: error.status)
                event = .performed
            case .send:
                event = send()
            case .reserveInput(let bytes):
                input = context.buffers.reserveWritable(bytes, in: input ?? context.buffers.take())
                self.input = input
                event = .performed
            case .suspendReading:
                if !isReadSuspended, let readSource {
                    readSource.suspend()
                    isReadSuspended = true
                }
                event = .performed
            case .resumeReading:
                if isReadSuspended, let readSource {
                    readSource.resume()
                    isReadSuspended = false
                }
                event = .performed
            case .armDeadline(_, let instant):
                deadline.store(instant, ordering: .relaxed)
                event = .performed
            case .lingerClose:
                shutdown(fd, Int32(SHUT_WR))
                event = .performed
            case .cancelDeferredResponse:
                awaitedDeferred?.cancelled.store(true, ordering: .relaxed)
                awaitedDeferred = nil
                event = .performed
            case .close:
                cancelSources()
                event = .performed
            }
        }
    }

    /// The drain flag, read directly: the per-connection shutdown notice may still be queued.
    private var isDraining: Bool { context.isDraining.load(ordering: .relaxed) }

    /// The output buffer, taken from the pool when there is none. An input buffer that holds
    /// nothing more (the request it held is consumed) becomes the output buffer instead: one
    /// pool round trip per request, not two.
    private func outputBuffer(reusing input: inout ByteBuffer?) -> ByteBuffer {
        if let output { return output }
        let buffer: ByteBuffer
        if let spent = input, spent.readableBytes == 0 {
            spent.clear()
            input = nil
            self.input = nil
            buffer = spent
        } else {
            buffer = context.buffers.take()
        }
        output = buffer
        return buffer
    }

    /// Calls the handler's `screen` with the head at the start of the input.
    private func screen(headLength: Int) -> ConnectionEvent {
        pendingDeferred = nil
        response.reset()
        guard let input else { return .screened(.readBody, handlerTag: -1, closeRequested: true, draining: isDraining) }
        let headBytes = input.view(offset: input.readerIndex, count: headLength)
        let (decision, tag, route) = machine.withRequestHead { head, fields in
            var request = HTTPRequest(head: head, fields: fields, headBytes: headBytes,
                                      body: UnsafeRawBufferPointer(start: nil, count: 0))
            let decision = context.handler.screen(&request, &response)
            return (decision, request.handlerTag, request.routeTag)
        }
        routeTag = route
        return .screened(decision, handlerTag: tag, closeRequested: response.closeConnection, draining: isDraining)
    }

    /// Calls the handler's `respond` with the whole request at the start of the input.
    private func respond(headLength: Int, bodyLength: Int) -> ConnectionEvent {
        pendingDeferred = nil
        response.reset()
        guard let input else { return .responded(deferredGeneration: nil, closeRequested: true, draining: isDraining) }
        let start = input.readerIndex
        let headBytes = input.view(offset: start, count: headLength)
        let body = input.view(offset: start + headLength, count: bodyLength)
        let handlerTag = machine.handlerTag
        machine.withRequestHead { head, fields in
            let request = HTTPRequest(head: head, fields: fields, headBytes: headBytes, body: body, handlerTag: handlerTag,
                                      routeTag: routeTag)
            context.handler.respond(to: request, &response)
        }
        guard response.isDeferred, let deferred = pendingDeferred else {
            return .responded(deferredGeneration: nil, closeRequested: response.closeConnection, draining: isDraining)
        }
        awaitedDeferred = deferred
        pendingDeferred = nil
        return .responded(deferredGeneration: deferredGeneration, closeRequested: false, draining: isDraining)
    }

    /// `HTTPResponse.answerLater` asked for the deferred response of the current request.
    func beginDeferredResponse() -> DeferredResponse {
        deferredGeneration &+= 1
        let deferred = DeferredResponse(owner: self, generation: deferredGeneration)
        pendingDeferred = deferred
        return deferred
    }

    /// A deferred response was completed (on this queue): the machine sends it if it is still
    /// awaited, then goes on with any pipelined request already buffered.
    func finishDeferredResponse(generation: UInt64, fill: (inout HTTPResponse) -> Void) {
        withoutActuallyEscaping(fill) { fill in
            run(.deferredCompleted(generation: generation, now: SystemClock.monotonicNanoseconds()), fill: fill)
        }
        releaseBuffers()
    }

    /// Graceful shutdown: the machine closes now if idle, else lets the request in progress
    /// finish and answers it with `Connection: close`.
    func beginShutdown() {
        guard !machine.isClosed else { return }
        run(.shutdownRequested(unreadBytesWaiting: hasUnreadBytes))
    }

    /// The shutdown deadline passed: close whatever is in progress.
    func forceClose() {
        run(.forceClose)
    }

    /// Whether the client sent bytes the read source has not delivered yet.
    private var hasUnreadBytes: Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    /// Cancels the sources; the last cancel handler closes the fd.
    private func cancelSources() {
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

    /// Gives the buffers back to the pool when they hold nothing (so idle connections hold
    /// no memory): the machine keeps a request's bytes, head included, in the input until the
    /// request is consumed, so an empty input holds nothing it still needs.
    func releaseBuffers(force: Bool = false) {
        if let input, force || input.readableBytes == 0 {
            context.buffers.give(input)
            self.input = nil
        }
        if let output, force || output.readableBytes == 0 {
            context.buffers.give(output)
            self.output = nil
        }
    }
}

@available(*, unavailable)
extension HTTPResponse: Sendable {}
