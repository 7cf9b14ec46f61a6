import CZlib

/// Decodes `Content-Encoding: gzip` bodies with zlib into a reusable buffer, with a cap on the
/// decoded size (a zip bomb gets `.tooLarge`, never an unbounded buffer).
///
/// The zlib stream is initialised once and `inflateReset` between bodies, so a warm inflater
/// allocates nothing. One owner at a time (it lives in a `BatchScratch`).
public final class GzipInflater: @unchecked Sendable {
    public enum Failure: Error, Equatable, Sendable {
        case tooLarge(limit: Int)
        case corrupt(String)
        case truncated

        public var message: String {
            switch self {
            case .tooLarge(let limit): "decoded body exceeds \(limit) bytes"
            case .corrupt(let detail): "gzip body is corrupt: \(detail)"
            case .truncated: "gzip body is truncated"
            }
        }
    }

    private var stream = z_stream()
    private var isInitialised = false
    /// The decoded bytes of the last successful `inflate`.
    public private(set) var output: [UInt8] = []

    public init() {}

    deinit {
        if isInitialised { inflateEnd(&stream) }
    }

    /// Decodes one complete gzip member (RFC 1952) into `output`.
    public func inflate(_ input: UnsafeRawBufferPointer, limit: Int) -> Result<Void, Failure> {
        if isInitialised {
            inflateReset(&stream)
        } else {
            // 16 + MAX_WBITS: gzip wrapper only.
            guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                return .failure(.corrupt("zlib could not be initialised"))
            }
            isInitialised = true
        }
        output.removeAll(keepingCapacity: output.capacity <= 4 << 20)
        guard let base = input.baseAddress, input.count > 0 else { return .failure(.truncated) }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var chunk = max(4096, min(limit, input.count * 4))
        while true {
            let produced = output.count
            if produced >= limit + 1 { return .failure(.tooLarge(limit: limit)) }
            let room = min(chunk, limit + 1 - produced)
            output.append(contentsOf: repeatElement(0, count: room))
            let status = output.withUnsafeMutableBytes { bytes -> Int32 in
                // Safe: `room` bytes were just appended at offset `produced`.
                stream.next_out = bytes.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(room)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let written = room - Int(stream.avail_out)
            output.removeLast(room - written)
            switch status {
            case Z_STREAM_END:
                if stream.avail_in != 0 { return .failure(.corrupt("trailing bytes after the gzip member")) }
                if output.count > limit { return .failure(.tooLarge(limit: limit)) }
                return .success(())
            case Z_OK:
                if output.count > limit { return .failure(.tooLarge(limit: limit)) }
                if stream.avail_in == 0 && written == 0 { return .failure(.truncated) }
                chunk = min(chunk * 2, 1 << 20)
            case Z_BUF_ERROR:
                if stream.avail_in == 0 { return .failure(.truncated) }
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                return .failure(.corrupt(detail))
            }
        }
    }
}
