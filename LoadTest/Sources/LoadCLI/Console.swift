import Glibc

/// Unbuffered writes to stdout and stderr with write(2), so the progress line, the report and
/// error lines come out in order (and C's `stdout` global is not touched from Swift 6 code).
enum Console {
    static func out(_ text: String) { write(text, to: STDOUT_FILENO) }
    static func error(_ text: String) { write(text, to: STDERR_FILENO) }

    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return } // a closed pipe: nothing more can be said
            bytes = bytes.dropFirst(count)
        }
    }
}
