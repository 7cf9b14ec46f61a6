/// The bytes POSTed by every request of a run, with the headers that describe them.
///
/// Built once before the clock starts; workers hand `bytes` to curl without copying.
public struct RequestBody: Sendable {
    /// The body as sent (compressed when `contentEncoding` is `gzip`).
    public var bytes: [UInt8]
    /// The `Content-Type` header value.
    public var contentType: String
    /// `gzip`, or nil for an identity body.
    public var contentEncoding: String?
    /// Items in one batch, when known (generated bodies); nil for `--body-file`.
    public var itemsPerRequest: Int?
    /// The size before compression.
    public var uncompressedByteCount: Int
    /// The generated data shape, or nil for `--body-file`.
    public var shape: DataShape?

    public init(bytes: [UInt8], contentType: String, contentEncoding: String? = nil,
                itemsPerRequest: Int?, uncompressedByteCount: Int? = nil, shape: DataShape? = nil) {
        self.bytes = bytes
        self.shape = shape
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.itemsPerRequest = itemsPerRequest
        self.uncompressedByteCount = uncompressedByteCount ?? bytes.count
    }

    /// The request headers: content type, optional encoding, and an empty `Expect:` so curl never
    /// waits for `100 Continue` before sending a large body.
    public var headerLines: [String] {
        var lines = ["Content-Type: \(contentType)", "Expect:"]
        if let contentEncoding { lines.append("Content-Encoding: \(contentEncoding)") }
        return lines
    }
}
