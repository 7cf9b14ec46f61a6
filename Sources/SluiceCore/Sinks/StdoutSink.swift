import Glibc
import SluiceSupport
import Synchronization

/// A sink writing NDJSON records to standard output (or another fd given at init), for
/// piping into a log shipper.
///
/// Failure mode: a stream cannot be rewound, so a write that fails part-way leaves the lines
/// already written, and the flusher's retry repeats them: delivery is at-least-once, and the
/// error (`rollback: .impossible`) says how many bytes went out. An fd in non-blocking mode is
/// waited on with poll, never spun on. A closed reader gives EPIPE only where SIGPIPE is
/// ignored (the HTTP server ignores it); otherwise the signal ends the process.
public final class StdoutSink: Sink {
    public let metrics = SinkMetrics()
    private let fd: Int32
    private let name: String
    // Serialises writers (only the flusher writes; never contended) and guards the pieces.
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var pieces = IOVectorScratch()
        var isClosed = false
    }

    /// Writes to `fd` (standard output by default); `fd` stays open after `close()`.
    public init(fd: Int32 = STDOUT_FILENO, name: String = "stdout") {
        self.fd = fd
        self.name = name
    }

    public func write(_ batch: [ResultSlab]) throws(SinkError) {
        guard !batch.isEmpty else { return }
        let start = SystemClock.monotonicNanoseconds()
        let outcome = state.withLock { state -> (written: Int, error: SinkError?) in
            guard !state.isClosed else { return (0, .closed) }
            var next = 0
            var written = 0
            while next < batch.count {
                let (count, code) = state.pieces.withRecords(of: batch, from: &next) { writeAll($0) }
                written += count
                if let code {
                    let rollback: SinkError.Rollback = written == 0 ? .nothingWritten : .impossible(bytesWritten: written)
                    return (written, .writeFailed(call: "write", path: name, errno: code, rollback: rollback))
                }
            }
            return (written, nil)
        }
        if let error = outcome.error {
            metrics.recordError()
            throw error
        }
        metrics.recordFlush(items: batch.itemCount, bytes: outcome.written, nanoseconds: SystemClock.monotonicNanoseconds() &- start)
    }

    /// Refuses further writes; the fd is left open (it is not ours).
    public func close() throws(SinkError) {
        state.withLock { $0.isClosed = true }
    }

    /// Writes every piece, in order, retrying short writes and EINTR, waiting out EAGAIN.
    /// `pieces` is consumed: entries are advanced past what was written.
    private func writeAll(_ pieces: UnsafeMutableBufferPointer<iovec>) -> (written: Int, errno: Int32?) {
        var written = 0
        var first = 0
        while first < pieces.count {
            if pieces[first].iov_len == 0 { first += 1; continue }
            // Safe: first < pieces.count, so the pieces passed lie inside `pieces`.
            let result = Glibc.writev(fd, pieces.baseAddress! + first, Int32(pieces.count - first))
            if result > 0 {
                written += result
                IOVectorScratch.consume(result, of: pieces, from: &first)
                continue
            }
            let code = result == 0 ? EIO : errno
            switch code {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, -1)
            default:
                precondition(code != EBADF && code != EFAULT, "write on a closed fd or bad buffer: \(SinkError.text(code))")
                return (written, code)
            }
        }
        return (written, nil)
    }
}
