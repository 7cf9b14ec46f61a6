import Glibc

/// Reads a custom request body (`--body-file`), sent as-is with the given content type.
public enum BodyFile {
    /// Bodies are held in memory and shared by every request; 1 GiB is far above any batch.
    public static let maxByteCount = 1 << 30

    /// The whole file at `path`.
    public static func read(path: String) throws(LoadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .bodyFileUnreadable(path: path, reason: LoadError.describe(errno: errno)) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw .bodyFileUnreadable(path: path, reason: LoadError.describe(errno: errno))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .bodyFileUnreadable(path: path, reason: "not a regular file")
        }
        guard Int(status.st_size) <= maxByteCount else {
            throw .bodyTooLarge(bytes: Int(status.st_size), limit: maxByteCount)
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                // Safe: reads at most the bytes left between `filled` and the buffer's end.
                Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .bodyFileUnreadable(path: path, reason: LoadError.describe(errno: errno)) }
            if count == 0 { break } // the file shrank while being read
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}
