import Glibc

/// Reads small kernel-generated text files (procfs, cgroupfs) with plain system calls.
///
/// `withContents` reads into a stack buffer, so the monitor's per-sample reads of
/// `/proc/self/stat` allocate nothing; `contents` returns a heap copy for files of unknown
/// size read once (`/proc/stat`, cgroup limits). A file that cannot be opened or read gives nil.
enum ProcFile {
    /// Calls `body` with the file's first `capacity` bytes, or nil when it cannot be read.
    static func withContents<Result>(of path: String, capacity: Int, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { buffer in
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return body(nil) }
            defer { close(descriptor) }
            var filled = 0
            while filled < capacity {
                // Safe: filled < capacity, so the destination range lies inside `buffer`.
                let count = read(descriptor, buffer.baseAddress! + filled, capacity - filled)
                if count > 0 {
                    filled += count
                } else if count == 0 {
                    break
                } else if errno != EINTR {
                    return body(nil)
                }
            }
            return body(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
        }
    }

    /// The whole file, or nil when it cannot be read.
    static func contents(of path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        let chunk = 4096
        while true {
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            // Safe: the array was just grown by `chunk` bytes past `start`.
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + start, chunk) }
            if count < 0, errno == EINTR {
                bytes.removeLast(chunk)
                continue
            }
            guard count >= 0 else { return nil }
            bytes.removeLast(chunk - count)
            if count == 0 { return bytes }
        }
    }
}

/// Decimal field parsing for procfs text, without building strings.
enum ProcText {
    /// The unsigned decimal at the start of `bytes` (digits only), or nil.
    static func parseUnsigned<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// The value following `key` at the start of a line ("btime 1700000000"), or nil.
    static func value(afterKey key: String, in text: [UInt8]) -> UInt64? {
        let keyBytes = Array(key.utf8)
        var lineStart = 0
        while lineStart < text.count {
            let lineEnd = text[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? text.count
            let line = text[lineStart..<lineEnd]
            if line.starts(with: keyBytes) {
                let rest = line.dropFirst(keyBytes.count).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                return parseUnsigned(rest.prefix { $0 != UInt8(ascii: " ") })
            }
            lineStart = lineEnd + 1
        }
        return nil
    }
}
