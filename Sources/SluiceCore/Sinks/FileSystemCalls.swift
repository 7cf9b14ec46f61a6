import Glibc

/// The file calls through which the file sink's data passes, as replaceable functions.
///
/// Production uses `.system`. Tests swap single calls to inject failures that root cannot
/// provoke for real on every file system (a short write followed by EIO, a failing
/// ftruncate). Each function follows the C convention: -1 and `errno` on failure.
struct FileSystemCalls: Sendable {
    var pwritev: @Sendable (_ fd: Int32, _ pieces: UnsafeBufferPointer<iovec>, _ offset: Int64) -> Int
    var ftruncate: @Sendable (_ fd: Int32, _ length: Int64) -> Int32
    var fsync: @Sendable (_ fd: Int32) -> Int32

    static let system = FileSystemCalls(
        pwritev: { fd, pieces, offset in Glibc.pwritev(fd, pieces.baseAddress, Int32(pieces.count), off_t(offset)) },
        ftruncate: { fd, length in Glibc.ftruncate(fd, off_t(length)) },
        fsync: { fd in Glibc.fdatasync(fd) })

    /// Writes every piece at `offset`, in order, back to back, retrying short writes and
    /// EINTR. `pieces` is consumed: entries are advanced past what was written. Returns how
    /// many bytes were written and, if it stopped early, the errno that stopped it.
    func writeAll(_ fd: Int32, _ pieces: UnsafeMutableBufferPointer<iovec>, at offset: Int64) -> (written: Int, errno: Int32?) {
        var written = 0
        var first = 0
        while first < pieces.count {
            if pieces[first].iov_len == 0 { first += 1; continue }
            // Safe: first < pieces.count, so the slice lies inside `pieces`.
            let rest = UnsafeBufferPointer(rebasing: pieces[first...])
            let result = pwritev(fd, rest, offset + Int64(written))
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                precondition(code != EBADF && code != EFAULT, "pwritev on a closed fd or bad buffer: \(SinkError.text(code))")
                return (written, code)
            }
            // A regular file never accepts 0 bytes of a non-empty write without an error;
            // report it as an I/O error rather than spin.
            if result == 0 { return (written, EIO) }
            written += result
            IOVectorScratch.consume(result, of: pieces, from: &first)
        }
        return (written, nil)
    }

    /// ftruncate, retrying EINTR; nil on success, else errno.
    func truncate(_ fd: Int32, to length: Int64) -> Int32? {
        while ftruncate(fd, length) != 0 {
            let code = errno
            if code != EINTR { return code }
        }
        return nil
    }

    /// fdatasync (what `fsync` runs in production: the data and the size, not the times),
    /// retrying EINTR; nil on success, else errno.
    func sync(_ fd: Int32) -> Int32? {
        while fsync(fd) != 0 {
            let code = errno
            if code != EINTR { return code }
        }
        return nil
    }
}
