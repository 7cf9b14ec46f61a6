import Dispatch
import Glibc

extension Connection {
    /// Serialises a response into the output buffer (sent later, together with any other
    /// pipelined responses, by `flushOutput`).
    func writeResponse(_ response: HTTPResponse, method: HTTPMethod?, version: HTTPVersion, close: Bool) {
        let out = output ?? context.buffers.take()
        output = out
        let status = response.status
        out.write("HTTP/1.1 ")
        out.write(decimal: status.code)
        out.write(byte: UInt8(ascii: " "))
        out.write(status.reason)
        out.write("\r\nDate: ")
        dateCache.write(to: out)
        out.write("\r\n")
        let bodyLength = response.body.readableBytes
        if !status.forbidsBody {
            if let contentType = response.contentType, bodyLength > 0 {
                out.write("Content-Type: ")
                out.write(contentType)
                out.write("\r\n")
            }
            out.write("Content-Length: ")
            out.write(decimal: bodyLength)
            out.write("\r\n")
        }
        if let seconds = response.retryAfterSeconds {
            out.write("Retry-After: ")
            out.write(decimal: seconds)
            out.write("\r\n")
        }
        if let allow = response.allow {
            out.write("Allow: ")
            out.write(allow)
            out.write("\r\n")
        }
        if let challenge = response.wwwAuthenticate {
            out.write("WWW-Authenticate: ")
            out.write(challenge)
            out.write("\r\n")
        }
        if close {
            out.write("Connection: close\r\n")
        } else if version == .http10 {
            out.write("Connection: keep-alive\r\n")
        }
        out.write("\r\n")
        // RFC 9110 §9.3.2: HEAD gets the same header fields as GET, without content.
        if !status.forbidsBody, method != .head, bodyLength > 0 {
            response.body.withReadableBytes { out.write($0) }
        }
    }

    /// Sends as much queued output as the socket takes. On EAGAIN it stops reading (back-
    /// pressure) and arms the write source; once everything is sent it resumes reading, or
    /// starts the lingering close when the last response said `Connection: close`.
    func flushOutput() {
        guard let out = output else {
            afterOutputDrained()
            return
        }
        while out.readableBytes > 0 {
            let sent = out.withReadableBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                out.moveReaderIndex(forwardBy: sent)
                continue
            }
            if sent < 0, errno == EINTR { continue }
            if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                waitUntilWritable()
                return
            }
            close()  // EPIPE, ECONNRESET: the peer is gone.
            return
        }
        out.clear()
        afterOutputDrained()
    }

    private func waitUntilWritable() {
        suspendReading()
        setDeadline(after: context.configuration.bodyTimeout)
        if writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [unowned self] in self.writable() }
            source.setCancelHandler { [self] in self.sourceCancelled() }
            writeSource = source
            liveSources += 1
        }
        if isWriteSuspended, let writeSource {
            writeSource.resume()
            isWriteSuspended = false
        }
    }

    private func writable() {
        if case .closed = state { return }
        if let writeSource, !isWriteSuspended {
            writeSource.suspend()
            isWriteSuspended = true
        }
        flushOutput()
    }

    private func afterOutputDrained() {
        switch state {
        case .closingAfterWrite:
            if peerClosed {
                close()
            } else {
                startLingering()
            }
        case .closed, .lingering, .awaitingResponse:
            break  // A deferred response resumes reading itself once it is sent.
        case .idle, .head, .body:
            if isShuttingDown, case .idle = state, (input?.readableBytes ?? 0) == 0 {
                close()
                return
            }
            let hadPending = isReadSuspended
            resumeReading()
            guard hadPending else { return }
            armPhaseDeadline()
            // Requests left in the buffer while output was backed up are framed now.
            if (input?.readableBytes ?? 0) > 0 { processInput() }
        }
    }

    /// Half-closes our side and discards input until the peer closes or the linger timeout.
    private func startLingering() {
        shutdown(fd, Int32(SHUT_WR))
        state = .lingering
        input?.clear()
        setDeadline(after: context.configuration.lingerTimeout)
        resumeReading()
    }
}
