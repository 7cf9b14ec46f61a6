import Glibc

/// The file calls through which the file sink's data passes, as replaceable functions.
///
/// Production uses `.system`. Tests swap single calls to inject failures that root cannot
/// provoke for real on every file system (a short write followed by EIO, a failing
/// ftruncate). Each function follows the C convention: -1 and `errno` on failure.
struct FileSystemCalls: Sendable {
    var pwrite: @Sendable (_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ offset: Int64) -> Int
    var ftruncate: @Sendable (_ fd: Int32, _ length: Int64) -> Int32
    var fsync: @Sendable (_ fd: Int32) -> Int32

    static let system = FileSystemCalls(
        pwrite: { fd, bytes, offset in Glibc.pwrite(fd, bytes.baseAddress, bytes.count, off_t(offset)) },
        ftruncate: { fd, length in Glibc.ftruncate(fd, off_t(length)) },
        fsync: { fd in Glibc.fsync(fd) })

    /// Writes all of `bytes` at `offset`, retrying short writes and EINTR. Returns how many
    /// bytes were written and, if it stopped early, the errno that stopped it.
    func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> (written: Int, errno: Int32?) {
        var written = 0
        while written < bytes.count {
            // Safe: `written` < `bytes.count`, so the rebased slice lies inside `bytes`.
            let rest = UnsafeRawBufferPointer(rebasing: bytes[written...])
            let result = pwrite(fd, rest, offset + Int64(written))
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                precondition(code != EBADF && code != EFAULT, "pwrite on a closed fd or bad buffer: \(SinkError.text(code))")
                return (written, code)
            }
            // A regular file never accepts 0 bytes of a non-empty write without an error;
            // report it as an I/O error rather than spin.
            if result == 0 { return (written, EIO) }
            written += result
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

    /// fsync, retrying EINTR; nil on success, else errno.
    func sync(_ fd: Int32) -> Int32? {
        while fsync(fd) != 0 {
            let code = errno
            if code != EINTR { return code }
        }
        return nil
    }
}
