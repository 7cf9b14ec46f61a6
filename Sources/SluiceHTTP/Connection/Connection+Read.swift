import Glibc

extension Connection {
    /// The read source fired: receive once, then frame and answer every complete request in
    /// the buffer before returning (one event may carry several pipelined requests).
    func readable() {
        if case .closed = state { return }
        var buffer = input ?? context.buffers.take()
        input = buffer
        for _ in 0..<4 {
            if buffer.writableBytes < 2048 {
                buffer = context.buffers.reserveWritable(max(2048, buffer.capacity / 2), in: buffer)
                input = buffer
            }
            let space = buffer.writableBytes
            let received = buffer.append(upTo: space) { recv(fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                if isDiscardingInput {
                    buffer.clear()  // RFC 9112 §9.6: read and discard until the client closes.
                } else {
                    if case .body = state { bodyDeadline.didReceive(bytes: received, now: MonotonicClock.now()) }
                    processInput()
                    // Framing may have moved the input to a larger pooled buffer.
                    if let current = input { buffer = current }
                    // Waiting for a deferred response: buffer at most one read buffer's worth
                    // of what the client pipelines meanwhile.
                    if case .awaitingResponse = state, buffer.readableBytes >= context.configuration.readBufferBytes {
                        suspendReading()
                    }
                }
                if case .closed = state { return }
                if received < space || isReadSuspended { break }
            } else if received == 0 {
                peerDidClose()
                return
            } else {
                switch errno {
                case EAGAIN, EWOULDBLOCK, EINTR:
                    break
                default:  // ECONNRESET, ETIMEDOUT, ...: the peer is gone.
                    close()
                    return
                }
                break
            }
        }
        releaseBuffers()
    }

    private var isDiscardingInput: Bool {
        switch state {
        case .closingAfterWrite, .lingering: true
        default: false
        }
    }

    /// EOF from the peer: it sends nothing more but may still read (a half-close).
    private func peerDidClose() {
        peerClosed = true
        suspendReading()
        switch state {
        case .awaitingResponse:
            break  // A half-close: the client may still read the answer, sent with `close`.
        case .idle, .closingAfterWrite:
            if (output?.readableBytes ?? 0) > 0 {
                state = .closingAfterWrite
                flushOutput()
            } else {
                close()
            }
        case .head, .body, .lingering, .closed:
            // An incomplete request can never complete now.
            close()
        }
    }

    /// Frames and answers every complete request in the input buffer, then sends the replies.
    func processInput() {
        guard let buffer = input else { return }
        loop: while true {
            if let output, output.readableBytes > context.configuration.maxPendingOutputBytes { break }
            switch state {
            case .idle:
                guard buffer.readableBytes > 0 else { break loop }
                state = .head
                headStartedAt = MonotonicClock.now()
                // A connection's first head is timed from accept (hyper does the same), later
                // ones from their first byte: the idle timeout only covers the gap between requests.
                let headClockStart = hasServedRequest ? headStartedAt : acceptedAt
                deadline.store(headClockStart &+ context.configuration.headerTimeout.nanoseconds, ordering: .relaxed)
            case .head:
                switch parser.parse(buffer.readableView) {
                case .needMoreBytes:
                    break loop
                case .failed(let error):
                    reject(error)
                    break loop
                case .complete(let headLength):
                    beginBody(headLength: headLength, buffer: buffer)
                }
            case .body(let headLength, .chunked(var decoder)):
                let result = decoder.decode(in: buffer, bodyOffset: headLength)
                state = .body(headLength: headLength, framing: .chunked(decoder))
                switch result {
                case .needMoreBytes:
                    deadline.store(bodyDeadline.due, ordering: .relaxed)
                    break loop
                case .failed(let error):
                    reject(error)
                    break loop
                case .complete(let bodyLength, let messageLength):
                    complete(headLength: headLength, bodyLength: bodyLength, messageLength: messageLength, buffer: buffer)
                }
            case .body(let headLength, .length(let length)):
                let needed = headLength + length
                if buffer.readableBytes < needed {
                    // The whole body is read into one buffer: a large one from the pool if idle.
                    input = context.buffers.reserveWritable(needed - buffer.readableBytes, in: buffer)
                    deadline.store(bodyDeadline.due, ordering: .relaxed)
                    break loop
                }
                complete(headLength: headLength, bodyLength: length, messageLength: needed, buffer: buffer)
            case .awaitingResponse, .closingAfterWrite, .lingering, .closed:
                break loop
            }
        }
        flushOutput()
    }

    /// The head is complete: screen it, then read the body or answer at once.
    private func beginBody(headLength: Int, buffer: ByteBuffer) {
        let head = parser.head
        let limits = context.configuration.limits
        if case .length(let length) = head.framing, length > limits.maxBodyBytes {
            reject(.bodyTooLarge(limit: limits.maxBodyBytes))
            return
        }
        response.reset()
        let headBytes = buffer.view(offset: buffer.readerIndex, count: headLength)
        // The whole message is already in the buffer (no body, or all of a sized one).
        let bodyIsHere = switch head.framing {
        case .none: true
        case .length(let length): buffer.readableBytes >= headLength + length
        case .chunked: false
        }
        var screened: (decision: ScreenDecision, close: Bool, tag: Int, routeTag: Int) = (.readBody, false, -1, -1)
        parser.withFields { fields in
            var request = HTTPRequest(head: head, fields: fields, headBytes: headBytes,
                                      body: UnsafeRawBufferPointer(start: nil, count: 0))
            let decision = context.handler.screen(&request, &response)
            screened = (decision, false, request.handlerTag, request.routeTag)
            guard decision == .answered else { return }
            // An unread body leaves the connection unusable: answer, then close (RFC 9110 §10.1.1).
            if !bodyIsHere { response.closeConnection = true }
            screened.close = answer(request)
        }
        handlerTag = screened.tag
        routeTag = screened.routeTag
        if screened.decision == .answered {
            // A message that is all here is skipped; otherwise the connection closes and the
            // rest of the input is discarded.
            let consumed = bodyIsHere ? headLength + (head.contentLength ?? 0) : buffer.readableBytes
            advance(messageLength: consumed, close: screened.close || !bodyIsHere, buffer: buffer)
            return
        }
        switch head.framing {
        case .none:
            complete(headLength: headLength, bodyLength: 0, messageLength: headLength, buffer: buffer)
            return
        case .length(let length):
            state = .body(headLength: headLength, framing: .length(length))
        case .chunked:
            state = .body(headLength: headLength, framing: .chunked(ChunkedDecoder(
                maxBodyBytes: limits.maxBodyBytes, maxTrailerBytes: limits.maxHeaderBytes)))
        }
        if head.expectsContinue, buffer.readableBytes == headLength {
            let output = self.output ?? context.buffers.take()
            self.output = output
            output.write("HTTP/1.1 100 Continue\r\n\r\n")
        }
        // The body clock starts now; a 100 Continue is sent at the end of this same event.
        bodyDeadline = BodyDeadline(now: MonotonicClock.now(), timeout: context.configuration.bodyTimeout,
                                    minBytesPerSecond: context.configuration.minBodyBytesPerSecond)
        deadline.store(bodyDeadline.due, ordering: .relaxed)
    }

    /// The whole request is in the buffer: answer it.
    private func complete(headLength: Int, bodyLength: Int, messageLength: Int, buffer: ByteBuffer) {
        let head = parser.head
        let headBytes = buffer.view(offset: buffer.readerIndex, count: headLength)
        let body = buffer.view(offset: buffer.readerIndex + headLength, count: bodyLength)
        response.reset()
        let close: Bool? = parser.withFields { fields in
            let request = HTTPRequest(head: head, fields: fields, headBytes: headBytes, body: body, handlerTag: handlerTag,
                                      routeTag: routeTag)
            context.handler.respond(to: request, &response)
            return response.isDeferred ? nil : answer(request)
        }
        guard let close else {
            awaitDeferredResponse(head: head, messageLength: messageLength, buffer: buffer)
            return
        }
        advance(messageLength: messageLength, close: close, buffer: buffer)
    }

    /// `HTTPResponse.answerLater` asked for the deferred response of the current request.
    func beginDeferredResponse() -> DeferredResponse {
        deferredGeneration &+= 1
        let deferred = DeferredResponse(owner: self, generation: deferredGeneration)
        pendingDeferred = deferred
        return deferred
    }

    /// The handler answers later: consume the request and wait, with no deadline of our own
    /// (the handler's, and shutdown's, apply).
    private func awaitDeferredResponse(head: ParsedHead, messageLength: Int, buffer: ByteBuffer) {
        buffer.moveReaderIndex(forwardBy: messageLength)
        parser.reset()
        hasServedRequest = true
        guard let deferred = pendingDeferred else {
            preconditionFailure("response deferred without answerLater()")
        }
        pendingDeferred = nil
        state = .awaitingResponse(AwaitedResponse(
            generation: deferredGeneration, deferred: deferred, method: head.method, version: head.version,
            requestWantsClose: head.wantsClose, handlerTag: handlerTag, startedAt: headStartedAt))
        deadline.store(0, ordering: .relaxed)
    }

    /// A deferred response was completed (on this queue): send it, then go on with any
    /// pipelined request already buffered.
    func finishDeferredResponse(generation: UInt64, fill: (inout HTTPResponse) -> Void) {
        guard case .awaitingResponse(let awaited) = state, awaited.generation == generation else { return }
        response.reset()
        fill(&response)
        let close = response.closeConnection || awaited.requestWantsClose || isShuttingDown || peerClosed
            || context.isDraining.load(ordering: .relaxed)
        writeResponse(response, method: awaited.method, version: awaited.version, close: close)
        context.handler.didRespond(handlerTag: awaited.handlerTag, status: response.status,
                                   durationNanoseconds: MonotonicClock.now() &- awaited.startedAt)
        if close {
            state = .closingAfterWrite
            input?.clear()
        } else {
            state = .idle
            if let input, input.readableBytes == 0 { input.clear() }
            setDeadline(after: context.configuration.idleTimeout)
            resumeReading()
        }
        if input != nil { processInput() } else { flushOutput() }
    }

    /// Queues the response; returns whether the connection closes after it.
    private func answer(_ request: HTTPRequest) -> Bool {
        // The drain flag is read directly: the per-connection shutdown notice may still be queued.
        let close = response.closeConnection || request.head.wantsClose || isShuttingDown
            || context.isDraining.load(ordering: .relaxed)
        writeResponse(response, method: request.method, version: request.version, close: close)
        context.handler.didRespond(handlerTag: request.handlerTag, status: response.status,
                                   durationNanoseconds: MonotonicClock.now() &- headStartedAt)
        return close
    }

    /// Consumes the request's bytes and moves on to the next request (or to closing).
    private func advance(messageLength: Int, close: Bool, buffer: ByteBuffer) {
        buffer.moveReaderIndex(forwardBy: messageLength)
        parser.reset()
        hasServedRequest = true
        if close {
            state = .closingAfterWrite
        } else {
            state = .idle
            if buffer.readableBytes == 0 { buffer.clear() }
            setDeadline(after: context.configuration.idleTimeout)
        }
    }

    /// Answers a framing or limit error with `Connection: close`; nothing more is parsed.
    func reject(_ error: HTTPParseError) {
        response.reset()
        response.setError(error.status, error.message)
        writeResponse(response, method: nil, version: .http11, close: true)
        context.handler.didReject(status: error.status)
        state = .closingAfterWrite
        input?.clear()
        parser.reset()
    }
}
