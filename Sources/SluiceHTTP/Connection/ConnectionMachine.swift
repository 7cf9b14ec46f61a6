import SluiceSupport

/// One HTTP/1.1 connection's protocol logic as a value: it takes events and answers actions,
/// and performs no I/O, reads no clock and calls no handler itself. `Connection` drives it
/// over sockets and Dispatch sources; the tests drive it with byte strings and fake time.
///
/// The driver calls `next(after:input:unsentOutputBytes:)` with an event, performs the action
/// it returns, and calls again with the outcome (`.performed`, or `.screened`/`.responded`/
/// `.deferredFilled` after a handler call, `.outputBlocked`/`.connectionReset` after a send)
/// until the action is `.wait`. `input` is the connection's read buffer: the machine frames
/// requests in it and consumes, decodes (chunked, in place) and discards its bytes itself;
/// `unsentOutputBytes` is how much queued output has not been sent.
///
///     var event = ConnectionEvent.received(bytes: count, now: now)
///     while true {
///         switch machine.next(after: event, input: input, unsentOutputBytes: output.readableBytes) {
///         case .wait: return
///         case .send: event = send()   // .performed, .outputBlocked or .connectionReset
///         case .screen(let headLength): event = .screened(handler.screen(...), ...)
///         ...
///         }
///     }
///
/// Events (`ConnectionEvent`): `started`, `received`, `peerClosed`, `connectionReset`,
/// `outputBlocked`, `writable`, `deadlinePassed`, `shutdownRequested`, `forceClose`,
/// `deferredCompleted`; and the outcomes of actions, `performed`, `screened`, `responded`,
/// `deferredFilled`. Actions (`ConnectionAction`): handler calls (`screen`, `respond`,
/// `fillDeferredResponse`), output (`writeContinue`, `writeResponse`, `writeError`, `send`),
/// input (`reserveInput`, `suspendReading`, `resumeReading`), `armDeadline`, the ends
/// (`lingerClose`, `cancelDeferredResponse`, `close`) and `wait`. Each is a plain enum value:
/// the connection allocates nothing per request.
///
/// States (`Phase`), each with the deadline it publishes:
///
/// | phase | meaning | deadline |
/// |---|---|---|
/// | `idle` | waiting for a request's first byte | header (first request, from accept) or idle |
/// | `head` | a head is arriving | header |
/// | `screening` | the handler's `screen` is being called | — |
/// | `body` | reading a body, framed `length(n)` or `chunked(decoder)` | body (minimum rate) |
/// | `responding` | the handler's `respond` is being called | — |
/// | `awaitingResponse` | the request was consumed and is answered later; nothing more is parsed | none |
/// | `fillingDeferred` | the deferred response's fill is being called | — |
/// | `closingAfterWrite` | the last response said `Connection: close`; input is discarded | write stall |
/// | `lingering` | our side is half-closed; input is discarded until EOF | linger |
/// | `closed` | | none |
///
/// Beside the phase: whether the peer half-closed, whether shutdown was requested, whether
/// output is blocked (then the write-stall deadline replaces the phase's, reading is paused,
/// and the phase's clock restarts once the output drained: time the client spent not reading
/// is not charged to its request) and whether reading is suspended.
///
/// Framing: every complete request in the input is handled before the output is sent (one
/// send for all pipelined replies), up to `maxPendingOutputBytes` of unsent output. A head
/// is screened first (`.screen`): an early answer skips a body that is all here, or closes
/// after answering when it is not; otherwise `100 Continue` is queued if asked for and no body
/// byte has arrived, the body is read, and `.respond` follows. A deferred response stops
/// framing until it completes; meanwhile at most `readBufferBytes` of pipelined input are
/// buffered (reading is suspended beyond). Malformed input, a body over the limit, and a
/// header or body deadline passing are answered with an error status and `Connection: close`
/// (`.writeError`); an idle, write-stalled or lingering deadline closes silently. EOF in the
/// middle of a request closes once what was answered before it is sent; EOF while a deferred
/// response is awaited waits for it, and it carries `Connection: close`.
package struct ConnectionMachine {
    /// Where the connection is in its request cycle (see the type's documentation).
    package enum Phase {
        case idle
        case head
        case screening(headLength: Int, bodyIsHere: Bool)
        case body(headLength: Int, framing: BodyFraming)
        case responding(headLength: Int, messageLength: Int)
        case awaitingResponse(AwaitedResponse)
        case fillingDeferred(AwaitedResponse)
        case closingAfterWrite
        case lingering
        case closed
    }

    /// How the body being read is framed: its one source of truth while reading it.
    package enum BodyFraming {
        /// A `Content-Length` body of this many bytes.
        case length(Int)
        /// A chunked body, decoded in place as it arrives.
        case chunked(ChunkedDecoder)
    }

    /// What a deferred response needs of its request once the request's bytes are gone.
    package struct AwaitedResponse {
        let generation: UInt64
        let method: HTTPMethod
        let version: HTTPVersion
        let requestWantsClose: Bool
        let handlerTag: Int
        let startedAt: UInt64
    }

    private struct Deadline {
        var kind: DeadlineKind
        var at: UInt64
        static let none = Deadline(kind: .none, at: 0)
    }

    package private(set) var phase = Phase.idle
    /// The head parser, holding the current request's head and fields once `.screen` is asked.
    package private(set) var parser: HeadParser

    private let headerTimeout: UInt64
    private let bodyTimeoutNanoseconds: UInt64
    private let idleTimeout: UInt64
    private let lingerTimeout: UInt64
    private let minBodyBytesPerSecond: Int
    private let maxBodyBytes: Int
    private let maxTrailerBytes: Int
    private let readBufferBytes: Int
    private let maxPendingOutputBytes: Int

    /// The latest time an event brought.
    private var now: UInt64 = 0
    private var acceptedAt: UInt64 = 0
    private var headStartedAt: UInt64 = 0
    /// From the first answer on, the idle timeout applies between requests.
    private var hasServedRequest = false
    /// What `screen` left in `HTTPRequest.handlerTag` for the current request (for `respond`).
    package private(set) var handlerTag = -1
    /// The rate-based deadline of the body being read (meaningful in `.body` only).
    private var bodyDeadline = BodyDeadline(now: 0, timeoutNanoseconds: 0, minBytesPerSecond: 0)
    private var deadline = Deadline.none
    private var publishedDeadline: UInt64 = 0
    private var peerClosed = false
    private var shuttingDown = false
    /// A shutdown must not close an idle connection whose request may already be on its way.
    private var unreadBytesMayWait = false
    private var writeBlocked = false
    private var readingSuspended = false
    /// `.cancelDeferredResponse` was answered; `.close` follows.
    private var closePending = false

    package init(configuration: HTTPServerConfiguration) {
        parser = HeadParser(limits: configuration.limits)
        headerTimeout = configuration.headerTimeout.nonNegativeNanoseconds
        bodyTimeoutNanoseconds = configuration.bodyTimeout.nonNegativeNanoseconds
        idleTimeout = configuration.idleTimeout.nonNegativeNanoseconds
        lingerTimeout = configuration.lingerTimeout.nonNegativeNanoseconds
        minBodyBytesPerSecond = configuration.minBodyBytesPerSecond
        maxBodyBytes = configuration.limits.maxBodyBytes
        maxTrailerBytes = configuration.limits.maxHeaderBytes
        readBufferBytes = configuration.readBufferBytes
        maxPendingOutputBytes = configuration.maxPendingOutputBytes
    }

    package var isClosed: Bool {
        if case .closed = phase { true } else { false }
    }

    /// Whether the machine wants input delivered (what its last suspend/resume action said).
    package var isReading: Bool { !readingSuspended }

    /// Calls `body` with the current request's head and header fields, in place: for the
    /// driver's `.screen` and `.respond`. Mutating only so that the call works on the machine's
    /// storage (a non-mutating call through a class property copies the whole parser).
    package mutating func withRequestHead<Result>(_ body: (ParsedHead, UnsafeBufferPointer<HeaderField>) -> Result) -> Result {
        let head = parser.head
        return parser.withFields { body(head, $0) }
    }

    /// Takes `event` and answers what the driver must do next.
    package mutating func next(after event: ConnectionEvent, input: ByteBuffer?, unsentOutputBytes: Int) -> ConnectionAction {
        if let action = handle(event, input: input) { return action }
        return proceed(input: input, unsentOutputBytes: unsentOutputBytes)
    }

    // MARK: Events

    /// Records `event`; answers an action only when the event itself demands one.
    private mutating func handle(_ event: ConnectionEvent, input: ByteBuffer?) -> ConnectionAction? {
        switch event {
        case .started(let now, let draining):
            advanceClock(to: now)
            acceptedAt = now
            shuttingDown = draining
            unreadBytesMayWait = draining  // it was accepted to be served
            setPhaseDeadline(.header, at: Self.adding(headerTimeout, to: now))
        case .received(let bytes, let now):
            advanceClock(to: now)
            unreadBytesMayWait = false
            if case .body = phase {
                bodyDeadline.didReceive(bytes: bytes, now: self.now)
                setPhaseDeadline(.body, at: bodyDeadline.due)
            }
        case .peerClosed:
            peerClosed = true
        case .connectionReset, .forceClose:
            return close()
        case .outputBlocked(let now):
            advanceClock(to: now)
            writeBlocked = true
            deadline = Deadline(kind: .writeStall, at: Self.adding(bodyTimeoutNanoseconds, to: self.now))
        case .writable(let now):
            advanceClock(to: now)
            writeBlocked = false
        case .deadlinePassed(let now):
            advanceClock(to: now)
            return deadlinePassed(input: input)
        case .shutdownRequested(let unreadBytesWaiting):
            shuttingDown = true
            unreadBytesMayWait = unreadBytesWaiting
        case .deferredCompleted(let generation, let now):
            guard case .awaitingResponse(let awaited) = phase, awaited.generation == generation else { return nil }
            advanceClock(to: now)
            phase = .fillingDeferred(awaited)
            return .fillDeferredResponse
        case .performed:
            break
        case .screened(let decision, let handlerTag, let closeRequested, let draining):
            if draining { shuttingDown = true }
            return screened(decision, handlerTag: handlerTag, closeRequested: closeRequested, input: input)
        case .responded(let deferredGeneration, let closeRequested, let draining):
            if draining { shuttingDown = true }
            return responded(deferredGeneration: deferredGeneration, closeRequested: closeRequested, input: input)
        case .deferredFilled(let closeRequested, let draining):
            if draining { shuttingDown = true }
            return deferredFilled(closeRequested: closeRequested, input: input)
        }
        return nil
    }

    /// The handler screened the head: answer at once, or go on to the body.
    private mutating func screened(_ decision: ScreenDecision, handlerTag: Int, closeRequested: Bool,
                                   input: ByteBuffer?) -> ConnectionAction? {
        guard case .screening(let headLength, let bodyIsHere) = phase, let input else { return nil }
        self.handlerTag = handlerTag
        let head = parser.head
        switch decision {
        case .answered:
            // An unread body leaves the connection unusable: answer, then close (RFC 9110 §10.1.1).
            let closes = closeRequested || !bodyIsHere || closesAfter(head.wantsClose)
            let response = outgoing(closes: closes)
            if bodyIsHere {
                finishRequest(messageLength: headLength + (head.contentLength ?? 0), closes: closes, input: input)
            } else {
                finishRequest(messageLength: input.readableBytes, closes: closes, input: input)
            }
            return .writeResponse(response)
        case .readBody:
            switch head.framing {
            case .none:
                phase = .responding(headLength: headLength, messageLength: headLength)
                return .respond(headLength: headLength, bodyLength: 0)
            case .length(let length):
                phase = .body(headLength: headLength, framing: .length(length))
            case .chunked:
                phase = .body(headLength: headLength, framing: .chunked(
                    ChunkedDecoder(maxBodyBytes: maxBodyBytes, maxTrailerBytes: maxTrailerBytes)))
            }
            // The body clock starts now; a 100 Continue leaves at the end of this same event.
            bodyDeadline = BodyDeadline(now: now, timeoutNanoseconds: bodyTimeoutNanoseconds,
                                        minBytesPerSecond: minBodyBytesPerSecond)
            setPhaseDeadline(.body, at: bodyDeadline.due)
            if head.expectsContinue, input.readableBytes == headLength { return .writeContinue }
            return nil
        }
    }

    /// The handler filled the response, or will answer later.
    private mutating func responded(deferredGeneration: UInt64?, closeRequested: Bool, input: ByteBuffer?) -> ConnectionAction? {
        guard case .responding(_, let messageLength) = phase, let input else { return nil }
        let head = parser.head
        guard let generation = deferredGeneration else {
            let closes = closeRequested || closesAfter(head.wantsClose)
            let response = outgoing(closes: closes)
            finishRequest(messageLength: messageLength, closes: closes, input: input)
            return .writeResponse(response)
        }
        // Consume the request and wait, with no deadline of our own (the handler's and
        // shutdown's apply).
        let awaited = AwaitedResponse(generation: generation, method: head.method, version: head.version,
                                      requestWantsClose: head.wantsClose, handlerTag: handlerTag, startedAt: headStartedAt)
        finishRequest(messageLength: messageLength, closes: false, input: input)
        phase = .awaitingResponse(awaited)
        setPhaseDeadline(.none, at: 0)
        return nil
    }

    /// The deferred response is filled: send it, then go on with any pipelined request.
    private mutating func deferredFilled(closeRequested: Bool, input: ByteBuffer?) -> ConnectionAction? {
        guard case .fillingDeferred(let awaited) = phase else { return nil }
        let closes = closeRequested || closesAfter(awaited.requestWantsClose)
        if closes { enterClosingAfterWrite() } else { enterIdle(input: input) }
        return .writeResponse(OutgoingResponse(method: awaited.method, version: awaited.version, closes: closes,
                                               handlerTag: awaited.handlerTag, startedAt: awaited.startedAt))
    }

    /// The published deadline passed: recheck it (the connection may have moved on since) and
    /// act on its kind.
    private mutating func deadlinePassed(input: ByteBuffer?) -> ConnectionAction? {
        guard deadline.at != 0, deadline.at <= now else { return nil }
        switch deadline.kind {
        case .header:
            // Also a silent new connection: a 408 rather than a bare close, so a client whose
            // first request crossed the deadline in flight learns it was not processed and
            // may send it again, even a POST (RFC 9110 §15.5.9).
            return reject(.headerTimeout, input: input)
        case .body:
            return reject(.bodyTimeout, input: input)
        case .idle, .writeStall, .linger:
            return close()
        case .none:
            return nil
        }
    }

    // MARK: Transitions

    /// Whether a response closes the connection, given whether its request asked to.
    private func closesAfter(_ requestWantsClose: Bool) -> Bool {
        requestWantsClose || shuttingDown || peerClosed
    }

    private func outgoing(closes: Bool) -> OutgoingResponse {
        let head = parser.head
        return OutgoingResponse(method: head.method, version: head.version, closes: closes,
                                handlerTag: handlerTag, startedAt: headStartedAt)
    }

    /// Consumes the request's bytes and moves on to the next request, or to closing.
    private mutating func finishRequest(messageLength: Int, closes: Bool, input: ByteBuffer) {
        input.moveReaderIndex(forwardBy: messageLength)
        parser.reset()
        hasServedRequest = true
        if closes { enterClosingAfterWrite() } else { enterIdle(input: input) }
    }

    private mutating func enterIdle(input: ByteBuffer?) {
        phase = .idle
        if let input, input.readableBytes == 0 { input.clear() }
        setPhaseDeadline(.idle, at: Self.adding(idleTimeout, to: now))
    }

    /// Nothing more is parsed; the queued output must leave within the write-stall limit.
    private mutating func enterClosingAfterWrite() {
        phase = .closingAfterWrite
        setPhaseDeadline(.writeStall, at: Self.adding(bodyTimeoutNanoseconds, to: now))
    }

    /// Answers a framing error, a limit or a timeout with `Connection: close`.
    private mutating func reject(_ error: HTTPParseError, input: ByteBuffer?) -> ConnectionAction {
        input?.clear()
        parser.reset()
        enterClosingAfterWrite()
        return .writeError(error)
    }

    /// Closes at once; a deferred response still awaited is cancelled first.
    private mutating func close() -> ConnectionAction? {
        switch phase {
        case .closed:
            return nil
        case .awaitingResponse, .fillingDeferred:
            phase = .closed
            closePending = true
            deadline = .none
            publishedDeadline = 0
            return .cancelDeferredResponse
        default:
            phase = .closed
            deadline = .none
            publishedDeadline = 0
            return .close
        }
    }

    /// Sets the current phase's deadline, unless blocked output holds the write-stall one.
    private mutating func setPhaseDeadline(_ kind: DeadlineKind, at instant: UInt64) {
        guard !writeBlocked else { return }
        deadline = Deadline(kind: kind, at: instant)
    }

    /// Re-arms the phase's deadline once output that blocked reading has drained: while we
    /// could not write we read nothing either, so the phase's clock restarts instead of
    /// charging the client's request for time we spent not reading it.
    private mutating func restartPhaseDeadline() {
        switch phase {
        case .idle:
            if hasServedRequest {
                setPhaseDeadline(.idle, at: Self.adding(idleTimeout, to: now))
            } else {
                setPhaseDeadline(.header, at: Self.adding(headerTimeout, to: now))
            }
        case .head:
            setPhaseDeadline(.header, at: Self.adding(headerTimeout, to: now))
        case .body:
            bodyDeadline.restart(now: now)
            setPhaseDeadline(.body, at: bodyDeadline.due)
        case .awaitingResponse:
            setPhaseDeadline(.none, at: 0)
        case .screening, .responding, .fillingDeferred, .closingAfterWrite, .lingering, .closed:
            break
        }
    }

    private mutating func advanceClock(to instant: UInt64) {
        // The timer's reading may be older than the last event's.
        if instant > now { now = instant }
    }

    private static func adding(_ nanoseconds: UInt64, to instant: UInt64) -> UInt64 {
        let (sum, overflow) = instant.addingReportingOverflow(nanoseconds)
        return overflow ? .max : sum
    }
}

extension ConnectionMachine {
    // MARK: Framing

    /// Goes as far as the input and the output allow: frames requests, then sends, then
    /// reconciles reading and the published deadline with the state.
    private mutating func proceed(input: ByteBuffer?, unsentOutputBytes unsent: Int) -> ConnectionAction {
        framing: while true {
            switch phase {
            case .closed:
                if closePending {
                    closePending = false
                    return .close
                }
                return .wait
            case .screening, .responding, .fillingDeferred:
                return .wait  // the driver reports the handler's result next
            case .awaitingResponse:
                break framing
            case .closingAfterWrite:
                // RFC 9112 §9.6: read and discard until the client closes.
                if let input, input.readableBytes > 0 { input.clear() }
                guard unsent == 0, !writeBlocked else { break framing }
                if peerClosed { return close() ?? .wait }
                phase = .lingering
                setPhaseDeadline(.linger, at: Self.adding(lingerTimeout, to: now))
                return .lingerClose
            case .lingering:
                if let input, input.readableBytes > 0 { input.clear() }
                if peerClosed { return close() ?? .wait }
                break framing
            case .idle:
                guard unsent <= maxPendingOutputBytes else { break framing }
                guard let input, input.readableBytes > 0 else {
                    if peerClosed {
                        if unsent == 0 { return close() ?? .wait }
                        enterClosingAfterWrite()
                        continue framing
                    }
                    if shuttingDown, !unreadBytesMayWait, unsent == 0, !writeBlocked { return close() ?? .wait }
                    break framing
                }
                phase = .head
                headStartedAt = now
                // A connection's first head is timed from accept (hyper does the same), later
                // ones from their first byte: the idle timeout only covers the gap between requests.
                let clockStart = hasServedRequest ? now : acceptedAt
                setPhaseDeadline(.header, at: Self.adding(headerTimeout, to: clockStart))
            case .head:
                guard unsent <= maxPendingOutputBytes, let input else { break framing }
                switch parser.parse(input.readableView) {
                case .needMoreBytes:
                    if peerClosed {
                        endIncompleteRequest()
                        continue framing
                    }
                    break framing
                case .failed(let error):
                    return reject(error, input: input)
                case .complete(let headLength):
                    let framing = parser.head.framing
                    if case .length(let length) = framing, length > maxBodyBytes {
                        return reject(.bodyTooLarge(limit: maxBodyBytes), input: input)
                    }
                    // Whether the whole message is here already (no body, or all of a sized one).
                    let bodyIsHere = switch framing {
                    case .none: true
                    case .length(let length): input.readableBytes >= headLength + length
                    case .chunked: false
                    }
                    phase = .screening(headLength: headLength, bodyIsHere: bodyIsHere)
                    return .screen(headLength: headLength)
                }
            case .body(let headLength, .length(let length)):
                guard unsent <= maxPendingOutputBytes, let input else { break framing }
                let needed = headLength + length
                let missing = needed - input.readableBytes
                if missing > 0 {
                    if peerClosed {
                        endIncompleteRequest()
                        continue framing
                    }
                    // The whole body is read into one buffer.
                    if input.writableBytes < missing { return .reserveInput(bytes: missing) }
                    break framing
                }
                phase = .responding(headLength: headLength, messageLength: needed)
                return .respond(headLength: headLength, bodyLength: length)
            case .body(let headLength, .chunked(var decoder)):
                guard unsent <= maxPendingOutputBytes, let input else { break framing }
                let result = decoder.decode(in: input, bodyOffset: headLength)
                phase = .body(headLength: headLength, framing: .chunked(decoder))
                switch result {
                case .needMoreBytes:
                    if peerClosed {
                        endIncompleteRequest()
                        continue framing
                    }
                    break framing
                case .failed(let error):
                    return reject(error, input: input)
                case .complete(let bodyLength, let messageLength):
                    phase = .responding(headLength: headLength, messageLength: messageLength)
                    return .respond(headLength: headLength, bodyLength: bodyLength)
                }
            }
        }
        return settle(input: input, unsentOutputBytes: unsent)
    }

    /// Framing can go no further: send what is queued, then bring reading and the published
    /// deadline in line with the state, one action at a time.
    private mutating func settle(input: ByteBuffer?, unsentOutputBytes unsent: Int) -> ConnectionAction {
        if unsent > 0, !writeBlocked { return .send }
        if unsent == 0, !writeBlocked, deadline.kind == .writeStall {
            if case .closingAfterWrite = phase {} else { restartPhaseDeadline() }
        }
        var wantsInput = !peerClosed && !writeBlocked
        if case .awaitingResponse = phase, let input, input.readableBytes >= readBufferBytes {
            // Bound what a pipelining client may buffer behind an answer that comes later.
            wantsInput = false
        }
        if wantsInput == readingSuspended {
            readingSuspended = !wantsInput
            return wantsInput ? .resumeReading : .suspendReading
        }
        if deadline.at != publishedDeadline {
            publishedDeadline = deadline.at
            return .armDeadline(deadline.kind, at: deadline.at)
        }
        return .wait
    }

    /// EOF in the middle of a request, which can never complete now: send what was answered
    /// before it, then close.
    private mutating func endIncompleteRequest() {
        parser.reset()
        // Discards the input, and closes (the peer is gone) once the output is sent.
        enterClosingAfterWrite()
    }
}
