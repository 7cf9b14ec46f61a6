import Glibc
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
    // Serialises writers (only the flusher writes; never contended) and guards the renderer.
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var renderer = NDJSONRenderer()
        var isClosed = false
    }

    /// Writes to `fd` (standard output by default); `fd` stays open after `close()`.
    public init(fd: Int32 = STDOUT_FILENO, name: String = "stdout") {
        self.fd = fd
        self.name = name
    }

    public func write(_ batch: [ProcessResult]) throws(SinkError) {
        guard !batch.isEmpty else { return }
        let start = SystemClock.monotonicNanoseconds()
        let outcome = state.withLock { state -> (written: Int, error: SinkError?) in
            guard !state.isClosed else { return (0, .closed) }
            var next = 0
            var written = 0
            while next < batch.count {
                state.renderer.renderChunk(of: batch, from: &next)
                let (count, code) = state.renderer.withUnsafeBytes { writeAll($0) }
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
        metrics.recordFlush(items: batch.count, bytes: outcome.written, nanoseconds: SystemClock.monotonicNanoseconds() &- start)
    }

    /// Refuses further writes; the fd is left open (it is not ours).
    public func close() throws(SinkError) {
        state.withLock { $0.isClosed = true }
    }

    /// Writes all of `bytes`, retrying short writes and EINTR, waiting out EAGAIN.
    private func writeAll(_ bytes: UnsafeRawBufferPointer) -> (written: Int, errno: Int32?) {
        var written = 0
        while written < bytes.count {
            // Safe: `written` < `bytes.count`, so the slice lies inside `bytes`.
            let rest = UnsafeRawBufferPointer(rebasing: bytes[written...])
            let result = Glibc.write(fd, rest.baseAddress, rest.count)
            if result > 0 {
                written += result
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
