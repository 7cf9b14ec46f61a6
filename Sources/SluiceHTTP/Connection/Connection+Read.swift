import Glibc
import SluiceSupport

extension Connection {
    /// The read source fired: receive, and let the machine frame and answer every complete
    /// request in the buffer after each receive (one event may carry several pipelined
    /// requests; framing before reading on keeps a burst of them from looking like one
    /// oversized head).
    func readable() {
        if machine.isClosed { return }
        var buffer = input ?? context.buffers.take()
        input = buffer
        let now = SystemClock.monotonicNanoseconds()
        for _ in 0..<4 {
            if buffer.writableBytes < 2048 {
                buffer = context.buffers.reserveWritable(max(2048, buffer.capacity / 2), in: buffer)
                input = buffer
            }
            let space = buffer.writableBytes
            let received = buffer.append(upTo: space) { recv(fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                run(.received(bytes: received, now: now))
                if machine.isClosed { return }
                // The machine may have moved the input to a larger pooled buffer.
                guard let current = input else { break }
                buffer = current
                if received < space || isReadSuspended { break }
            } else if received == 0 {
                run(.peerClosed)
                break
            } else {
                switch errno {
                case EAGAIN, EWOULDBLOCK, EINTR:
                    break
                default:  // ECONNRESET, ETIMEDOUT, ...: the peer is gone.
                    run(.connectionReset)
                    return
                }
                break
            }
        }
        if machine.isClosed { return }
        releaseBuffers()
    }
}
