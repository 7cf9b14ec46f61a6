import Dispatch
import Glibc
import SluiceSupport

extension Connection {
    /// Sends as much queued output as the socket takes: all of it, or up to EAGAIN (then the
    /// write source watches for writability), or none when the peer is gone.
    func send() -> ConnectionEvent {
        guard let out = output else { return .performed }
        while out.readableBytes > 0 {
            let sent = out.withReadableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                out.moveReaderIndex(forwardBy: sent)
                continue
            }
            if sent < 0, errno == EINTR { continue }
            if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                watchWritability()
                return .outputBlocked(now: SystemClock.monotonicNanoseconds())
            }
            return .connectionReset  // EPIPE, ECONNRESET: the peer is gone.
        }
        out.clear()
        return .performed
    }

    /// Creates the write source on the first EAGAIN and resumes it; it is suspended again as
    /// soon as it fires (it fires for as long as the socket is writable).
    private func watchWritability() {
        if writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [unowned(unsafe) self] in self.writable() }  // see start()
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
        if machine.isClosed { return }
        if let writeSource, !isWriteSuspended {
            writeSource.suspend()
            isWriteSuspended = true
        }
        run(.writable(now: SystemClock.monotonicNanoseconds()))
        if !machine.isClosed { releaseBuffers() }
    }
}
